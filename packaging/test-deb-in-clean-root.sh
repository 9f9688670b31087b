#!/usr/bin/env bash
# Proof on a clean machine: install the .deb into a minimal Debian root with NO Python, use it, remove it.
#
#     sudo bash packaging/test-deb-in-clean-root.sh [path/to/outreach_<version>_amd64.deb]
#
# Without an argument it takes dist/outreach_*.deb, building it first (packaging/build-deb.sh) when
# there is none. Then, in a fresh copy of a `debootstrap --variant=minbase` root (made once and cached as a
# tarball under /var/cache/outreach-packaging, so reruns take seconds instead of minutes):
#   1. checks there is no python3 at all;
#   2. `apt-get install ./outreach.deb` (Depends resolved from the mirror), and still no python3;
#   3. as an ordinary user: `outreach --version`, `outreach demo --households 50`,
#      `outreach stats --json` (50 households), the GUI offscreen until its first paint plus 1.5 s with a
#      screenshot, and that every bundled library and Qt plugin finds its system libraries (ldd);
#   4. `apt-get purge outreach` and checks nothing is left in /opt, the menu, the icons or /usr/bin.
# Prints one PASS line per check and exits non-zero at the first failure.
#
#   OUTREACH_SUITE=bookworm          the Debian release of the clean root
#   OUTREACH_DEB_MIRROR=URL          default: the Debian mirror this machine's apt uses
#   OUTREACH_CLEAN_ROOT_CACHE=DIR    default /var/cache/outreach-packaging
#   OUTREACH_ARTIFACTS=DIR           where the screenshot and logs are copied (default build/clean-root)
#   KEEP_ROOT=1                      keep the root afterwards (its path is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

die() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
export DEBIAN_FRONTEND=noninteractive
if ! command -v debootstrap >/dev/null; then
  apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

DEB=${1:-}
if [ -z "$DEB" ]; then
  DEB=$(ls dist/outreach_*_amd64.deb 2>/dev/null | head -1 || true)
  if [ -z "$DEB" ]; then
    bash packaging/build-deb.sh >/dev/null
    DEB=$(ls dist/outreach_*_amd64.deb | head -1)
  fi
fi
[ -f "$DEB" ] || die "no package at $DEB"
DEB=$(readlink -f "$DEB")
VERSION=$(dpkg-deb -f "$DEB" Version)

SUITE=${OUTREACH_SUITE:-bookworm}
if [ -z "${OUTREACH_DEB_MIRROR:-}" ]; then
  OUTREACH_DEB_MIRROR=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)
fi
MIRROR=${OUTREACH_DEB_MIRROR:-http://deb.debian.org/debian}
CACHE=${OUTREACH_CLEAN_ROOT_CACHE:-/var/cache/outreach-packaging}
ARTIFACTS=${OUTREACH_ARTIFACTS:-$ROOT/build/clean-root}
BASE=$CACHE/$SUITE-minbase-amd64.tar
mkdir -p "$CACHE/apt-archives" "$ARTIFACTS"

if [ ! -f "$BASE" ]; then
  echo "making the clean root once: debootstrap --variant=minbase $SUITE ($MIRROR)" >&2
  fresh=$(mktemp -d /var/tmp/outreach-debootstrap.XXXXXX)
  chmod 755 "$fresh"   # mktemp -d makes it 0700: the root's / would keep that mode in the tar
  debootstrap --variant=minbase "$SUITE" "$fresh" "$MIRROR" >"$ARTIFACTS/debootstrap.log" 2>&1 \
    || die "debootstrap failed (see $ARTIFACTS/debootstrap.log)"
  tar -C "$fresh" -cf "$BASE.part" . && mv "$BASE.part" "$BASE"
  rm -rf "$fresh"
fi

R=$(mktemp -d /var/tmp/outreach-clean-root.XXXXXX)
cleanup() {
  for m in proc dev/pts; do mountpoint -q "$R/$m" && umount "$R/$m"; done
  if [ "${KEEP_ROOT:-0}" = 1 ]; then echo "root kept at $R" >&2; else rm -rf "$R"; fi
}
trap cleanup EXIT
tar -C "$R" -xf "$BASE"
chmod 755 "$R"   # a root directory of mode 0700 (mktemp -d, or a base tarred from one) lets only root run anything
mount -t proc proc "$R/proc"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
echo "deb $MIRROR $SUITE main" > "$R/etc/apt/sources.list"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
# The store is encrypted (SQLCipher); scripts give the passphrase in OUTREACH_PASSPHRASE.
PASSPHRASE="clean-root 测试口令 $(date +%s)"
as_user() {
  chroot --userspec=worker:worker "$R" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/worker LANG=zh_CN.UTF-8 \
    QT_QPA_PLATFORM=offscreen OUTREACH_PASSPHRASE="$PASSPHRASE" "$@"
}
no_python() {
  if in_root sh -c 'command -v python3 || command -v python || ls /usr/bin/python* /usr/lib/python3* 2>/dev/null'; then
    die "$1: the clean root has a Python"
  fi
}

no_python "before install"
pass "clean $SUITE minbase root has no python3 ($R)"

cp "$DEB" "$R/tmp/outreach.deb"
cp "$CACHE"/apt-archives/*.deb "$R/var/cache/apt/archives/" 2>/dev/null || true   # reruns: no download
in_root apt-get update -qq >"$ARTIFACTS/apt.log" 2>&1 || die "apt-get update in the root (see $ARTIFACTS/apt.log)"
if grep -qE '^(W: Failed|E:)' "$ARTIFACTS/apt.log"; then die "apt-get update in the root: $(grep -E '^(W|E):' "$ARTIFACTS/apt.log")"; fi
in_root apt-get install -y -q --no-install-recommends /tmp/outreach.deb >>"$ARTIFACTS/apt.log" 2>&1 \
  || die "apt-get install ./outreach.deb (see $ARTIFACTS/apt.log)"
cp "$R"/var/cache/apt/archives/*.deb "$CACHE/apt-archives/" 2>/dev/null || true
[ "$(in_root dpkg-query -W -f '${Status}' outreach)" = "install ok installed" ] || die "outreach is not installed"
pass "apt-get install ./$(basename "$DEB") resolved its Depends and installed"
no_python "after install"
pass "still no python3 after installing the app and its dependencies"

for f in /opt/outreach/outreach /usr/share/applications/outreach.desktop \
         /usr/share/icons/hicolor/scalable/apps/outreach.svg /usr/share/icons/hicolor/256x256/apps/outreach.png; do
  [ -e "$R$f" ] || die "$f is missing after install"
done
[ "$(readlink "$R/usr/bin/outreach")" = /opt/outreach/outreach ] || die "/usr/bin/outreach is not the app"
pass "installed /opt/outreach, /usr/bin/outreach, the menu entry and the icons"

# ldd with the bundle's own library folders first, as the frozen app loads them
missing=$(in_root env LD_LIBRARY_PATH=/opt/outreach/_internal:/opt/outreach/_internal/PySide6/Qt/lib \
  sh -c 'find /opt/outreach -name "*.so*" -type f -exec ldd {} \; 2>/dev/null | grep "not found" | sort -u' || true)
[ -z "$missing" ] || die "bundled libraries miss system libraries: $missing"
pass "every bundled library and Qt plugin (xcb, wayland, offscreen, printsupport) finds its system libraries"

in_root useradd -m -s /bin/sh worker
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

t=$(date +%s%N)
out=$(as_user outreach --version)
echo "cold start: outreach --version $(ms "$t") ms" >&2
[ "$out" = "outreach $VERSION" ] || die "outreach --version said: $out"
pass "outreach --version → $out"

as_user outreach demo --households 50 >"$ARTIFACTS/demo.txt" 2>&1 || die "outreach demo: $(cat "$ARTIFACTS/demo.txt")"
DB=$R/home/worker/.local/share/Outreach/outreach.sqlite3
[ -f "$DB" ] || die "demo did not write ~/.local/share/Outreach"
# the bundled SQLCipher works: the file on disk is not plain SQLite
[ "$(head -c 15 "$DB")" != "SQLite format 3" ] || die "the database on disk is not encrypted"
pass "outreach demo --households 50 (encrypted store) → $(head -c 200 "$ARTIFACTS/demo.txt")"

as_user outreach stats --json >"$ARTIFACTS/stats.json" 2>&1 || die "outreach stats --json: $(cat "$ARTIFACTS/stats.json")"
households=$(grep -oE '"households": *[0-9]+' "$ARTIFACTS/stats.json" | grep -oE '[0-9]+$' || true)
[ "$households" = 50 ] || die "stats --json counted '$households' households: $(cat "$ARTIFACTS/stats.json")"
pass "outreach stats --json → 50 households"

t=$(date +%s%N)
timeout 180 chroot --userspec=worker:worker "$R" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/worker \
  LANG=zh_CN.UTF-8 QT_QPA_PLATFORM=offscreen OUTREACH_PASSPHRASE="$PASSPHRASE" \
  outreach gui --screenshot /tmp/outreach-gui.png --quit-after-ms 1500 \
  >"$ARTIFACTS/gui.log" 2>&1 || die "the GUI did not start and quit cleanly: $(tail -5 "$ARTIFACTS/gui.log")"
echo "GUI offscreen: start → first paint + 1.5 s → exit $(ms "$t") ms ($(grep -o 'first paint.*' "$ARTIFACTS/gui.log" || true))" >&2
[ -s "$R/tmp/outreach-gui.png" ] || die "no screenshot"
cp "$R/tmp/outreach-gui.png" "$ARTIFACTS/gui.png"
size=$(stat -c %s "$ARTIFACTS/gui.png")
[ "$size" -gt 20000 ] || die "the screenshot is nearly empty ($size bytes)"
pass "GUI ran offscreen, painted its main window, screenshot $ARTIFACTS/gui.png ($size bytes)"

in_root apt-get purge -y -q outreach >>"$ARTIFACTS/apt.log" 2>&1 || die "apt-get purge outreach"
left=$(in_root sh -c 'ls -d /opt/outreach /usr/bin/outreach /usr/share/applications/outreach.desktop \
  /usr/share/doc/outreach 2>/dev/null; find /usr/share/icons -name "outreach*" 2>/dev/null' || true)
[ -z "$left" ] || die "left behind after purge: $left"
# (dpkg may remove /opt itself when no other package lists it: absent or empty are both clean)
[ -z "$(ls -A "$R/opt" 2>/dev/null)" ] || die "/opt is not empty after purge: $(ls -A "$R/opt")"
in_root dpkg-query -W -f '${Status}' outreach 2>/dev/null | grep -q "ok installed" && die "dpkg still lists outreach"
pass "apt-get purge outreach removed it: /opt empty, no menu entry, icon or command left"
echo "all checks passed for $(basename "$DEB") in a clean $SUITE root" >&2
