#!/usr/bin/env bash
# Build an AppImage from the one-folder bundle. Usage:
#   packaging/linux/build_appimage.sh [cpu|cuda]            (after `make dist`)
#   packaging/linux/build_appimage.sh cpu --appdir-only     (stop at the AppDir; no appimagetool)
# appimagetool is taken from $APPIMAGETOOL or the PATH (the release workflow downloads it).
# Env: DIST (default dist), VERSION (default: pyproject's).
set -euo pipefail
cd "$(dirname "$0")/../.."
VARIANT="${1:-cpu}"
DIST="${DIST:-dist}"
BUNDLE="$DIST/hearth"
VERSION="${VERSION:-$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')}"
ARCH="$(uname -m)"
[[ -x "$BUNDLE/hearth" ]] || { echo "no bundle in $BUNDLE: run make dist first" >&2; exit 1; }

APPDIR="$DIST/Hearth.AppDir"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/share/applications"
cp -a "$BUNDLE" "$APPDIR/usr/lib/hearth"
cat > "$APPDIR/AppRun" <<'APPRUN'
#!/bin/sh
# The bundle finds its own libraries (PyInstaller sets them up); nothing else to prepare.
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/hearth/hearth" "$@"
APPRUN
chmod 755 "$APPDIR/AppRun"
install -m 644 packaging/linux/hearth.desktop "$APPDIR/hearth.desktop"
install -m 644 packaging/linux/hearth.desktop "$APPDIR/usr/share/applications/hearth.desktop"
install -m 644 packaging/icons/hearth-256.png "$APPDIR/hearth.png"
ln -sf hearth.png "$APPDIR/.DirIcon"
for size in 16 32 48 64 128 256 512; do
  dir="$APPDIR/usr/share/icons/hicolor/${size}x${size}/apps"
  mkdir -p "$dir" && install -m 644 "packaging/icons/hearth-$size.png" "$dir/hearth.png"
done

if [[ "${2:-}" == "--appdir-only" ]]; then
  echo "$APPDIR"
  exit 0
fi
TOOL="${APPIMAGETOOL:-$(command -v appimagetool || true)}"
if [[ -z "$TOOL" ]]; then
  echo "appimagetool not found: set APPIMAGETOOL or put it on the PATH (AppDir left in $APPDIR)" >&2
  exit 3
fi
OUT="$DIST/Hearth-$VERSION-linux-$ARCH-$VARIANT.AppImage"
# The tool is itself an AppImage: extract-and-run works where FUSE does not (CI containers).
APPIMAGE_EXTRACT_AND_RUN=1 ARCH="$ARCH" "$TOOL" --no-appstream "$APPDIR" "$OUT"
echo "$OUT"
