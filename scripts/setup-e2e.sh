#!/usr/bin/env bash
# Installs what the extension's end-to-end tests need, idempotently:
#  - Debian's chromium (the browser playwright-core drives; no browser download);
#  - code-server 4.99.4 from npm (a real VS Code 1.99 workbench with a Node extension
#    host; later versions need Node 24) into .vscode-test/code-server/ (gitignored).
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CODE_SERVER_VERSION=4.99.4
PREFIX="$ROOT/.vscode-test/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup-e2e: need root (or sudo) to install Debian packages: $*" >&2; return 1; fi
}

# Debian packages: the browser, ripgrep (code-server's @vscode/ripgrep would download
# rg from the internet; we hand it Debian's instead) and the headers code-server's
# native modules build against.
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v rg >/dev/null || packages+=(ripgrep)
for p in libkrb5-dev libxkbfile-dev libsecret-1-dev python3 make g++ pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || packages+=("$p")
done
if [ "${#packages[@]}" -gt 0 ]; then
  echo "setup-e2e: installing ${packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# --version writes a default config into $XDG_CONFIG_HOME: keep it out of the home folder.
installed_version() { XDG_CONFIG_HOME="$ROOT/.vscode-test/tmp/xdg" "$BIN" --version 2>/dev/null | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+ ' | tr -d ' '; }
if [ -x "$BIN" ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ]; then
  echo "setup-e2e: code-server $CODE_SERVER_VERSION already in $PREFIX"
  exit 0
fi

echo "setup-e2e: installing code-server $CODE_SERVER_VERSION into $PREFIX (about 300 MB, a few minutes)"
mkdir -p "$PREFIX"
SCRATCH="$ROOT/.vscode-test/tmp"
mkdir -p "$SCRATCH"
# @vscode/ripgrep looks for its archive in $TMPDIR/vscode-ripgrep-cache-<version>/
# before downloading: put Debian's rg there under the names it asks for.
RG_TAR_DIR="$SCRATCH/rg"
mkdir -p "$RG_TAR_DIR"
cp "$(command -v rg)" "$RG_TAR_DIR/rg"
for v in 1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14 1.16.0 1.16.1 1.17.0; do
  mkdir -p "$SCRATCH/vscode-ripgrep-cache-$v"
  for a in v13.0.0-10 v13.0.0-13 v13.0.0-4 v14.1.1-1; do
    tar -czf "$SCRATCH/vscode-ripgrep-cache-$v/ripgrep-$a-x86_64-unknown-linux-musl.tar.gz" -C "$RG_TAR_DIR" rg
  done
done
[ -f "$PREFIX/package.json" ] || echo '{"name":"lua-rules-e2e-code-server","private":true}' > "$PREFIX/package.json"
# As root code-server's postinstall refuses unless unsafe-perm; node-pty runs
# `npx node-gyp`, which must not stop to ask.
( cd "$PREFIX" && TMPDIR="$SCRATCH" npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --no-save --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$SCRATCH/npm-install.log" 2>&1 ) || {
  echo "setup-e2e: npm install code-server failed; last lines of $SCRATCH/npm-install.log:" >&2
  tail -30 "$SCRATCH/npm-install.log" >&2
  exit 1
}
echo "setup-e2e: code-server $(installed_version) installed"
