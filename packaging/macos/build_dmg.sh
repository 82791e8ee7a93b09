#!/usr/bin/env bash
# Sign (optional), package and notarize (optional) dist/Hearth.app as a .dmg.
# Usage: packaging/macos/build_dmg.sh            (after `pyinstaller build.spec` on a Mac)
#
# Signing and notarization are taken from the environment and skipped, with a notice, when absent:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" (in an unlocked keychain)
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarization with an app-specific password
# Env: DIST (default dist), VERSION (default: pyproject's).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIST="${DIST:-dist}"
APP="$DIST/Hearth.app"
VERSION="${VERSION:-$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')}"
ENTITLEMENTS="packaging/macos/entitlements.plist"
DMG="$DIST/Hearth-$VERSION-macos-$(uname -m).dmg"
[[ -d "$APP" ]] || { echo "no $APP: run pyinstaller build.spec first" >&2; exit 1; }

notice() { echo "::notice::$*"; }

sign() {
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$MACOS_SIGN_IDENTITY" "$@"
}

if [[ -n "${MACOS_SIGN_IDENTITY:-}" ]]; then
  # Inside out: every Mach-O file, then the frameworks, then the app itself.
  while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q "Mach-O"; then sign "$file"; fi
  done < <(find "$APP/Contents" -type f -print0)
  while IFS= read -r -d '' framework; do sign "$framework"; done \
    < <(find "$APP/Contents" -type d -name "*.framework" -print0)
  sign "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  notice "MACOS_SIGN_IDENTITY is not set: Hearth.app is not signed (Gatekeeper will refuse it)."
fi

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "Hearth $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [[ -n "${MACOS_SIGN_IDENTITY:-}" ]]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
fi

if [[ -n "${MACOS_SIGN_IDENTITY:-}" && -n "${APPLE_ID:-}" && -n "${APPLE_TEAM_ID:-}" \
      && -n "${APPLE_APP_PASSWORD:-}" ]]; then
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose "$DMG"
else
  notice "Notarization skipped (needs MACOS_SIGN_IDENTITY, APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD)."
fi
echo "$DMG"
