#!/bin/sh
# Vendor YASGUI (the SPARQL query editor) from the npm registry into yasgui/.
#
#   src/evawkg/static/vendor/vendor.sh [version]
#
# Runs `npm pack @zazuko/yasgui@<version>` in a temporary directory (no install, no scripts run),
# checks the tarball against the registry's integrity hash, and copies the browser bundle, its
# stylesheet, the licence and a VERSION file here. The assets are committed and served by the
# evawkg server itself: no CDN. Update: run with a new version, run tests/workbench, commit.
set -eu

VERSION="${1:-4.6.2}"
PACKAGE="@zazuko/yasgui"
HERE="$(cd "$(dirname "$0")" && pwd)"
TARGET="$HERE/yasgui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent --ignore-scripts "$PACKAGE@$VERSION" > pack.txt
TARBALL="$(tail -n 1 pack.txt)"
EXPECTED="$(npm view "$PACKAGE@$VERSION" dist.integrity)"
ACTUAL="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | openssl base64 -A)"
if [ "$EXPECTED" != "$ACTUAL" ]; then
    echo "integrity mismatch for $TARBALL: registry says $EXPECTED, file is $ACTUAL" >&2
    exit 1
fi
tar -xzf "$TARBALL"
LICENSE_NAME="$(node -p "require('./package/package.json').license")"

mkdir -p "$TARGET"
cp package/build/yasgui.min.js package/build/yasgui.min.css "$TARGET/"
# The package names its licence (MIT) but ships no licence text: keep the upstream notice.
cp "$HERE/yasgui-LICENSE.txt" "$TARGET/LICENSE"
{
    echo "package: $PACKAGE"
    echo "version: $VERSION"
    echo "license: $LICENSE_NAME"
    echo "integrity: $EXPECTED"
    echo "tarball: $(npm view "$PACKAGE@$VERSION" dist.tarball)"
    echo "files: yasgui.min.js yasgui.min.css"
} > "$TARGET/VERSION"
# The source map is not shipped: drop the comment that would make browsers ask for it.
sed -i 's|//# sourceMappingURL=yasgui.min.js.map||' "$TARGET/yasgui.min.js"
sed -i 's|/\*# sourceMappingURL=yasgui.min.css.map \*/||' "$TARGET/yasgui.min.css"
echo "vendored $PACKAGE $VERSION into $TARGET"
