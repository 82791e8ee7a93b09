#!/usr/bin/env bash
# Build a .deb from the one-folder bundle: the app in /opt/hearth, `hearth` on the PATH, a menu
# entry and icons. Usage: packaging/linux/build_deb.sh [cpu|cuda]   (after `make dist`)
# Env: DIST (default dist), VERSION (default: pyproject's), DEB_MAINTAINER.
set -euo pipefail
cd "$(dirname "$0")/../.."
VARIANT="${1:-cpu}"
DIST="${DIST:-dist}"
BUNDLE="$DIST/hearth"
VERSION="${VERSION:-$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')}"
ARCH="$(dpkg --print-architecture)"
# The bundle carries libraries built against this machine's C library: that is the minimum.
GLIBC="$(ldd --version | head -n1 | grep -oE '[0-9]+\.[0-9]+$')"
[[ -x "$BUNDLE/hearth" ]] || { echo "no bundle in $BUNDLE: run make dist first" >&2; exit 1; }

case "$VARIANT" in
  cpu)  PACKAGE=hearth; OTHER=hearth-cuda ;;
  cuda) PACKAGE=hearth-cuda; OTHER=hearth ;;
  *) echo "variant must be cpu or cuda" >&2; exit 2 ;;
esac

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
cp -a "$BUNDLE" "$STAGE/opt/hearth"  # -a keeps PyInstaller's symlinks (no duplicated libraries)
ln -s /opt/hearth/hearth "$STAGE/usr/bin/hearth"
install -m 644 packaging/linux/hearth.desktop "$STAGE/usr/share/applications/hearth.desktop"
for size in 16 32 48 64 128 256 512; do
  dir="$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
  mkdir -p "$dir" && install -m 644 "packaging/icons/hearth-$size.png" "$dir/hearth.png"
done
mkdir -p "$STAGE/usr/share/icons/hicolor/scalable/apps"
install -m 644 resources/ui/hearth.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/hearth.svg"

# What the bundled Qt needs from the desktop and does not carry itself (graphics stack, X11/
# Wayland client libraries, fonts, D-Bus); the names exist on Debian 12 and Ubuntu 22.04+.
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-Hearth developers <hearth@example.invalid>}
Section: utils
Priority: optional
Installed-Size: $(du -sk "$STAGE/opt" | cut -f1)
Depends: libc6 (>= $GLIBC), libgl1, libegl1, libfontconfig1, libfreetype6, libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-randr0, libxcb-xinerama0, libxcb-xkb1, libwayland-client0, libwayland-cursor0, libwayland-egl1
Conflicts: $OTHER
Replaces: $OTHER
Provides: hearth
Description: Private AI chat on your own computer
 Hearth runs open models (GGUF files) on this computer, keeps every
 conversation on your disk and says plainly where your words go.
 This is the ${VARIANT^^} build of its llama.cpp engine.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
POSTINST
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
chmod 755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"

OUT="$DIST/${PACKAGE}_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT"
echo "$OUT"
