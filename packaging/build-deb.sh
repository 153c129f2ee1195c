#!/usr/bin/env bash
# Builds dist/harden_<version>_amd64.deb: the binary (with its VCS
# revision stamped in), the man pages, the bash, zsh and fish completions,
# the README and copyright, with nfpm (github.com/goreleaser/nfpm/v2).
#
#   packaging/build-deb.sh            # version from git describe, else 0.0.0+<date>
#   HARDEN_VERSION=1.2.3 packaging/build-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -e /usr/include/systemd/sd-journal.h ] || { apt-get update -q >/dev/null; apt-get install -y -q libsystemd-dev >/dev/null; }
if [ -z "${HARDEN_VERSION:-}" ]; then
	HARDEN_VERSION=$(git describe --tags --match 'v*' 2>/dev/null | sed 's/^v//') || true
	[ -n "$HARDEN_VERSION" ] || HARDEN_VERSION="0.0.0+$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date +%Y%m%d)"
fi
export HARDEN_VERSION
rm -rf dist/stage; mkdir -p dist/stage/man dist/stage/completions
go build -buildvcs=true -trimpath -ldflags "-s -w" -o dist/stage/harden ./cmd/harden
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) go run ./cmd/gen-docs --man-page --doc-path dist/stage/man
dist/stage/harden completion bash > dist/stage/completions/harden.bash
dist/stage/harden completion zsh > dist/stage/completions/_harden
dist/stage/harden completion fish > dist/stage/completions/harden.fish
go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2 package --config packaging/nfpm.yaml --packager deb --target "dist/harden_${HARDEN_VERSION}_amd64.deb"
echo "dist/harden_${HARDEN_VERSION}_amd64.deb"
