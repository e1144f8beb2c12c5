#!/bin/sh
# Vendor axe-core (the accessibility rules engine the browser tests run) from the npm registry.
#
#   tests/vendor/vendor.sh [version]
#
# As src/evawkg/static/vendor/vendor.sh does for YASGUI: `npm pack` in a temporary directory (no
# install, no scripts run), the tarball checked against the registry's integrity hash, then the
# browser bundle, its licence and a VERSION file copied into axe-core/. Only the tests use it; the
# server never serves it. Update: run with a new version, run tests/workbench/test_accessibility.py,
# commit.
set -eu

VERSION="${1:-4.14.1}"
PACKAGE="axe-core"
HERE="$(cd "$(dirname "$0")" && pwd)"
TARGET="$HERE/axe-core"
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
cp package/axe.min.js "$TARGET/"
cp package/LICENSE "$TARGET/LICENSE"
{
    echo "package: $PACKAGE"
    echo "version: $VERSION"
    echo "license: $LICENSE_NAME"
    echo "integrity: $EXPECTED"
    echo "tarball: $(npm view "$PACKAGE@$VERSION" dist.tarball)"
    echo "files: axe.min.js"
    echo "sha256: $(sha256sum "$TARGET/axe.min.js" | cut -d' ' -f1)"
} > "$TARGET/VERSION"
echo "vendored $PACKAGE $VERSION into $TARGET"
