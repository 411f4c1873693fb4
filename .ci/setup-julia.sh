#!/usr/bin/env bash
# Installs the real Julia these machines can have, for the README's first command and the
# integration tests: Debian bullseye's Julia 1.5.3 (beside bookworm's packages, nothing else from
# bullseye), LLVM's lld for linking, Python 3 (verify's terminal runs), and bullseye's libunwind 1.3.2 unpacked into a private
# folder: Julia 1.5.3 dies on any exception with bookworm's libunwind (1.6), so it must run with
# LD_LIBRARY_PATH pointing there. A `julia` launcher in /usr/local/bin (ahead of /usr/bin on
# PATH) does that, so a plain `julia` works for people and tools alike. Idempotent. It needs root:
# run as root (containers, many CI images have no sudo) it goes on; run as another user it starts
# itself again through sudo.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "setup-julia.sh: needs root: run it as root, or install sudo" >&2
    exit 1
  }
  exec sudo bash "$0" "$@"
fi

LIBUNWIND_DIR=${JULIA_SYSIMAGE_TEST_LIBUNWIND:-/opt/julia-sysimage-ci/libunwind}
LAUNCHER=${JULIA_SYSIMAGE_LAUNCHER:-/usr/local/bin/julia}
MARKER='# julia-sysimage .ci/setup-julia.sh: Debian Julia 1.5 with libunwind 1.3'
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

# Debian's own julia, not whatever `julia` is first on PATH (which may be the launcher below)
if [ ! -x /usr/bin/julia ] && ! command -v julia >/dev/null 2>&1; then
  install -t bullseye julia
fi
command -v ld.lld >/dev/null 2>&1 || install lld
# verify's run with stdout a terminal makes its pseudo-terminal with Python's pty module
command -v python3 >/dev/null 2>&1 || install python3

if [ ! -e "$LIBUNWIND_DIR/libunwind.so.8" ]; then
  [ "$need_update" = 1 ] && apt-get update -qq && need_update=0
  work=$(mktemp -d)
  chmod 777 "$work" # apt's download sandbox user must be able to write here
  (cd "$work" && apt-get download -qq libunwind8/bullseye && dpkg-deb -x libunwind8_*.deb root)
  mkdir -p "$LIBUNWIND_DIR"
  cp -a "$work"/root/usr/lib/x86_64-linux-gnu/libunwind* "$LIBUNWIND_DIR"/
  rm -rf "$work"
fi

# The launcher, for Debian/Ubuntu's Julia 1.5.x only (official builds bundle their own
# libunwind). A file at $LAUNCHER that this script did not write is left alone.
if [ -x /usr/bin/julia ] && /usr/bin/julia --startup-file=no --version | grep -q '^julia version 1\.5\.'; then
  if [ ! -e "$LAUNCHER" ] || grep -qF "$MARKER" "$LAUNCHER"; then
    tmp=$(mktemp "$LAUNCHER.XXXXXX")
    cat >"$tmp" <<EOF_LAUNCHER
#!/bin/sh
$MARKER
# (Julia 1.5 segfaults on the first exception with a newer libunwind). Remove this file to undo.
LD_LIBRARY_PATH='$LIBUNWIND_DIR'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec /usr/bin/julia "\$@"
EOF_LAUNCHER
    chmod 755 "$tmp"
    mv -f "$tmp" "$LAUNCHER"
  else
    echo "warning: $LAUNCHER exists and was not written by this script; left alone (run Julia with LD_LIBRARY_PATH=$LIBUNWIND_DIR)" >&2
  fi
fi

echo "julia: $(julia --version) at $(command -v julia); lld: $(ld.lld --version | head -n1); libunwind: $LIBUNWIND_DIR"
