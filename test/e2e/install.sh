#!/usr/bin/env bash
# Installs what the code-server end-to-end tests need (see shared/recipes/e2e-code-server.md):
#  - Debian packages: chromium (the browser Playwright drives; never downloaded by Playwright)
#    and libkrb5-dev (kerberos headers for a native module of code-server);
#  - .e2e/: node@24, code-server@4.139.1 and playwright-core@1.65.1 from the npm registry.
# Idempotent: every step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
NODE_PKG_VERSION=24

log() { printf '[e2e-install] %s\n' "$*"; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
else
  log "chromium and libkrb5-dev already installed"
fi

mkdir -p .e2e
cd .e2e
[ -f package.json ] || printf '{\n  "name": "segscope-e2e",\n  "private": true\n}\n' >package.json

installed_version() { # prints the installed version of package $1 in .e2e, or nothing
  node -e "try{console.log(require('./node_modules/$1/package.json').version)}catch{}"
}

if [ -x node_modules/.bin/node ] && node_modules/.bin/node -v | grep -q "^v$NODE_PKG_VERSION\."; then
  log "node $(node_modules/.bin/node -v) already installed"
else
  log "npm i node@$NODE_PKG_VERSION"
  npm i --no-audit --no-fund --save-exact "node@$NODE_PKG_VERSION"
fi

export PATH=$PWD/node_modules/.bin:$PATH
cs=$(installed_version code-server)
pw=$(installed_version playwright-core)
if [ "$cs" = "$CODE_SERVER_VERSION" ] && [ "$pw" = "$PLAYWRIGHT_VERSION" ] && [ -x node_modules/.bin/code-server ] \
   && [ -f node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node ] ; then
  log "code-server $cs and playwright-core $pw already installed"
else
  log "npm i code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (with node $(node -v))"
  if [ -d node_modules/code-server ]; then
    # a half-built tree fails with "cross-env: Permission denied": start code-server afresh
    rm -rf node_modules/code-server
  fi
  if ! npm i --no-audit --no-fund --save-exact "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"; then
    log "install failed; removing node_modules and retrying once"
    rm -rf node_modules package-lock.json
    npm i --no-audit --no-fund --save-exact "node@$NODE_PKG_VERSION"
    npm i --no-audit --no-fund --save-exact "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
  fi
fi
log "ready: code-server $(node_modules/.bin/code-server --version 2>/dev/null | tail -1), playwright-core $(installed_version playwright-core), node $(node -v)"
cd "$ROOT"
