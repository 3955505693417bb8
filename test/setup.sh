#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian machine, idempotently:
# Debian packages (the headers the optional native `gl` module builds against, Xvfb for it, Chromium
# and Kerberos headers for the code-server tests), the npm packages (`npm ci`), and code-server in .e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libx11-dev libxi-dev libxext-dev pkg-config xvfb xauth chromium libkrb5-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# package.json's allowScripts lets esbuild and gl run their install scripts; gl compiles (about 3 minutes).
if [ ! -f node_modules/gl/build/Release/webgl.node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node -e "require('gl')" 2>/dev/null || npm rebuild gl

bash test/e2e/install.sh
