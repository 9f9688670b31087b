#!/usr/bin/env bash
# Build the Linux app and its Debian package:
#
#     bash packaging/build-deb.sh
#
# leaves exactly one dist/outreach_<version>_amd64.deb (plus the portable one-folder app in
# dist/outreach/). Needs python3 >= 3.11 with venv and dpkg-deb; installs everything else it needs itself
# (PyInstaller and the app into a build venv of its own, build/venv; binutils for strip/objdump via
# apt-get when missing). Safe to run again: the venv is reused, the .deb replaced.
#
# The package installs the app into /opt/outreach, the `outreach` command (/usr/bin/outreach, a symlink),
# the menu entry (/usr/share/applications/outreach.desktop) and icons (/usr/share/icons/hicolor), for
# Debian, Ubuntu, UOS and Kylin (amd64). The glibc it needs is measured from the bundle, so dpkg refuses
# it with a clear message on a system too old to run it.
#
#   OUTREACH_BUILD_VENV=DIR   use another build venv
#   OUTREACH_SKIP_FREEZE=1    package an existing dist/outreach/ without running PyInstaller again
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "build-deb: $*" >&2; exit 1; }

VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' outreach/__init__.py)
[ -n "$VERSION" ] || die "no __version__ in outreach/__init__.py"
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
[ "$ARCH" = amd64 ] || die "this recipe builds amd64 packages (this machine is $ARCH)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found (a Debian-based system is needed)"

apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
for tool in strip objdump; do
  command -v "$tool" >/dev/null || { say "installing binutils ($tool)"; apt_install binutils; }
done

VENV=${OUTREACH_BUILD_VENV:-$ROOT/build/venv}
if [ "${OUTREACH_SKIP_FREEZE:-0}" != 1 ]; then
  PY=${PYTHON:-python3}
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$PY is older than 3.11"
  # PyInstaller bundles Python's shared library; Debian's python3 keeps it in a package of its own
  if ! "$PY" -c 'import ctypes, sysconfig; ctypes.CDLL(sysconfig.get_config_var("INSTSONAME"))' 2>/dev/null; then
    pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    command -v apt-get >/dev/null || die "$PY has no shared libpython$pyver (PyInstaller needs it)"
    say "installing libpython$pyver (PyInstaller bundles Python's shared library)"
    apt_install "libpython$pyver"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "build venv $VENV"
    "$PY" -m venv "$VENV"
  fi
  say "installing PyInstaller and the app into the build venv"
  pip_q() { "$VENV/bin/pip" install -q "$@" 2> >(grep -v "is ignored" >&2); }  # pip's exit code counts
  pip_q --upgrade pyinstaller
  # the app itself, non-editable, so the bundle holds exactly this tree; dependencies as pyproject says
  pip_q .
  pip_q --force-reinstall --no-deps .
  "$VENV/bin/python" -c "import PyInstaller, outreach" || die "the build venv is incomplete"

  say "icons"
  "$VENV/bin/python" packaging/icons.py build/icons >/dev/null

  say "PyInstaller one-folder build"
  OUTREACH_ICON_DIR=$ROOT/build/icons "$VENV/bin/pyinstaller" packaging/outreach.spec --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller
fi
APP=dist/outreach
[ -x "$APP/outreach" ] || die "$APP/outreach was not built"
[ -f build/icons/outreach-256.png ] || die "build/icons is missing (run without OUTREACH_SKIP_FREEZE once)"
"$APP/outreach" --version >/dev/null || die "the built app does not start"

say "staging the package"
STAGE=build/deb/outreach_${VERSION}_${ARCH}
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/doc/outreach"
cp -a "$APP" "$STAGE/opt/outreach"
ln -s /opt/outreach/outreach "$STAGE/usr/bin/outreach"
install -m644 packaging/outreach.desktop "$STAGE/usr/share/applications/outreach.desktop"
install -Dm644 packaging/outreach.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/outreach.svg"
for size in 16 24 32 48 64 128 256; do
  install -Dm644 "build/icons/outreach-$size.png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/outreach.png"
done
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: outreach"
  echo
  echo "Files: *"
  echo "License: Apache-2.0"
  echo
  echo "Files: opt/outreach/_internal/resources/fonts/*"
  echo "Copyright: WenQuanYi Project contributors"
  echo "License: Apache-2.0 or GPL-3+ with font embedding exception (used under Apache-2.0)"
  echo
  echo "The bundled Python, Qt (PySide6, LGPL-3.0) and libraries keep their own licences."
} > "$STAGE/usr/share/doc/outreach/copyright"
# dpkg: owner-only files would be unreadable for users; directories 755, files 644, executables 755
find "$STAGE" -type d -exec chmod 755 {} +
find "$STAGE/opt" -type f -exec chmod go+r {} +

# The newest glibc symbol version any bundled binary asks for = the oldest system it runs on.
GLIBC=$(find "$STAGE/opt/outreach" -type f \( -name '*.so*' -o -name outreach \) -print0 \
  | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V -u | tail -1)
[ -n "$GLIBC" ] || die "could not measure the glibc the bundle needs"

# Libraries the bundle does not carry (PyInstaller leaves out libGL/libEGL by design; the xcb helpers
# Qt's X11 plugin loads; the app brings its own CJK font). Names exist on Debian 10+, Ubuntu 20.04+, UOS and Kylin; Ubuntu 24.04 renamed
# glib (t64) and keeps the old name as a Provides.
DEPENDS="libc6 (>= $GLIBC), libgl1, libegl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libfreetype6,
 libdbus-1-3, libglib2.0-0 | libglib2.0-0t64, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4,
 libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-randr0, libxcb-xfixes0,
 libxcb-xkb1, libxcb-render0, libxcb-shm0, libxcb-sync1, libwayland-client0, libwayland-cursor0,
 libwayland-egl1"
INSTALLED_KB=$(du -sk "$STAGE" | cut -f1)

cat > "$STAGE/DEBIAN/control" <<EOF
Package: outreach
Version: $VERSION
Architecture: $ARCH
Maintainer: Outreach developers <outreach@localhost>
Installed-Size: $INSTALLED_KB
Depends: $(echo "$DEPENDS" | tr -d '\n')
Section: misc
Priority: optional
Homepage: https://example.invalid/outreach
Description: offline household-visit assistant for social workers (社工入户走访助手)
 Registers households and members, records visits, structured needs assessments
 and referrals with printable letters; merges encrypted bundles from a team.
 Works without a network. Self-contained: carries its own Python and Qt.
EOF

cat > "$STAGE/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
EOF
cat > "$STAGE/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# The app writes nothing under /opt (data lives in each user's ~/.local/share/Outreach, kept on purge:
# it is the users' casework, not the program's). Remove anything a crashed run or a manual edit left in
# the program folder, and refresh the menu and icon caches.
set -e
case "$1" in
  remove|purge)
    rm -rf /opt/outreach
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
    ;;
esac
exit 0
EOF
chmod 755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"

say "dpkg-deb"
rm -f dist/outreach_*.deb
DEB=dist/outreach_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
dpkg-deb --info "$DEB" >/dev/null
echo "$DEB ($(du -h "$DEB" | cut -f1); one-folder app $(du -sh "$APP" | cut -f1); needs glibc >= $GLIBC)" >&2
echo "$ROOT/$DEB"
