#!/usr/bin/env bash
# Installs the real Julia these machines can have, for the integration tests (DESIGN.md §6):
# Debian bullseye's Julia 1.5.3 (beside bookworm's packages, nothing else from bullseye), LLVM's
# lld for linking, and bullseye's libunwind 1.3.2 unpacked into a private folder: Julia 1.5.3
# dies on any exception with bookworm's libunwind, so the tests run it with LD_LIBRARY_PATH
# pointing there. Idempotent; needs root.
set -euo pipefail

LIBUNWIND_DIR=${JULIA_SYSIMAGE_TEST_LIBUNWIND:-/opt/julia-sysimage-ci/libunwind}
SOURCES=/etc/apt/sources.list.d/bullseye.sources

if [ ! -f "$SOURCES" ]; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bullseye\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$SOURCES"
fi

need_update=1
install() {
  if [ "$need_update" = 1 ]; then
    apt-get update -qq
    need_update=0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v julia >/dev/null 2>&1 || install -t bullseye julia
command -v ld.lld >/dev/null 2>&1 || install lld

if [ ! -e "$LIBUNWIND_DIR/libunwind.so.8" ]; then
  [ "$need_update" = 1 ] && apt-get update -qq && need_update=0
  work=$(mktemp -d)
  chmod 777 "$work" # apt's download sandbox user must be able to write here
  (cd "$work" && apt-get download -qq libunwind8/bullseye && dpkg-deb -x libunwind8_*.deb root)
  mkdir -p "$LIBUNWIND_DIR"
  cp -a "$work"/root/usr/lib/x86_64-linux-gnu/libunwind* "$LIBUNWIND_DIR"/
  rm -rf "$work"
fi

echo "julia: $(julia --version) at $(command -v julia); lld: $(ld.lld --version | head -n1); libunwind: $LIBUNWIND_DIR"
