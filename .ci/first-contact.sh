#!/usr/bin/env bash
# The README's first steps, the way a newcomer meets them: a fresh `git clone` of the committed
# HEAD in a temporary folder, a fresh HOME (no Julia depot, no image cache), no LD_LIBRARY_PATH,
# and the commands copied verbatim from README.md's code blocks, so the README cannot drift from
# what works:
#   1. the first ```sh block under "## The two commands" (set-up, then the build of the example);
#   2. the first ```sh block under "### Using the image" (run the example with the image).
# Then checks that the image and its metadata exist, that it holds the example's package, and
# that the launcher written beside it starts Julia with it. One real image build (~2.5 min).
# Run by .ci/run as root, with no `sudo` stand-in: the README's set-up line must work as it is for
# root (containers and many CI images have no sudo). At the end nothing the commands wrote may
# show up as untracked in the clone (.gitignore), so nobody commits an image by accident.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "first-contact: $*" >&2
  exit 1
}

# The first ```sh fenced block after the heading $1 (a whole line of README.md).
block_after() {
  awk -v heading="$1" '
    $0 == heading { found = 1; next }
    found && !inside && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' "$work/clone/README.md"
}

git clone --quiet "$repo" "$work/clone"
setup_and_build=$(block_after '## The two commands')
use_image=$(block_after '### Using the image')
[ -n "$setup_and_build" ] || fail 'README.md has no ```sh block under "## The two commands"'
[ -n "$use_image" ] || fail 'README.md has no ```sh block under "### Using the image"'

mkdir -p "$work/home"

run_block() {
  local name=$1 commands=$2
  echo "first-contact: running the README's $name commands in a fresh clone:"
  sed 's/^/  /' <<<"$commands"
  (
    cd "$work/clone"
    env -u LD_LIBRARY_PATH -u JULIA_DEPOT_PATH -u XDG_CACHE_HOME -u JULIA_SYSIMAGE_DEBUG \
      HOME="$work/home" \
      bash -e -o pipefail -c "$commands" >"$work/$name.out" 2>"$work/$name.err"
  ) || {
    cat "$work/$name.err" >&2
    fail "the README's $name commands failed (stderr above)"
  }
}

started=$(date +%s)
run_block build "$setup_and_build"
echo "first-contact: build done in $(($(date +%s) - started)) s"

image="$work/clone/sysimage.so"
[ -f "$image" ] || fail "no image at $image"
[ -f "$image.json" ] || fail "no metadata at $image.json"
[ -x "$work/clone/sysimage.sh" ] || fail "no launcher at $work/clone/sysimage.sh"
grep -qxF "$image" "$work/build.out" || fail "the build did not print the image path on stdout"
grep -q 'building the bundled example' "$work/build.err" ||
  fail 'the log does not say that the bundled example was built'

run_block use "$use_image"
grep -q 'category' "$work/use.out" || fail "the example's workload printed no report with the image"

# The image holds the example's package: loaded before any `using`, it is already there.
in_image=$(
  cd "$work/clone" &&
    env -u LD_LIBRARY_PATH HOME="$work/home" ./sysimage.sh --startup-file=no --project=examples/hello \
      -e 'print(any(m -> nameof(m) == :Hello, values(Base.loaded_modules)))'
) || fail 'the launcher could not start Julia with the image'
[ "$in_image" = true ] || fail "the image does not hold the example's package Hello (got: $in_image)"

untracked=$(git -C "$work/clone" status --porcelain --untracked-files=all)
[ -z "$untracked" ] || fail "the README's commands left files git would offer to commit (add them to .gitignore):
$untracked"

echo "first-contact: ok: the README's commands built $(du -h "$image" | cut -f1) $image, it loads and holds Hello ($(($(date +%s) - started)) s)"
