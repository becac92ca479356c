#!/usr/bin/env bash
# Installs the offline VS Code used by the integration tests and `npm start`:
# code-server (VS Code's server + web workbench) into .vscode-test-web/, plus
# Debian's chromium (headless browser) and ripgrep. Idempotent; a fast no-op
# when everything is already in place. Needs only the npm registry and apt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="$repo/.vscode-test-web"
manifest="$here/server"
t0=$(date +%s)

step() { echo "[install.sh] $*"; }
elapsed() { echo $(( $(date +%s) - $1 ))s; }

# --- Debian packages -------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -f /usr/include/krb5.h ] || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
	ta=$(date +%s)
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	step "apt-get install ${need[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
	step "apt packages installed in $(elapsed "$ta")"
else
	step "chromium, ripgrep, libkrb5-dev already present"
fi

# --- code-server -----------------------------------------------------------
# The stamp holds the lockfile's hash, so a changed pin triggers a reinstall.
stamp="$dest/.installed"
want="$(sha256sum "$manifest/package-lock.json" | cut -d' ' -f1)"
entry="$dest/node_modules/code-server/out/node/entry.js"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$entry" ]; then
	step "code-server already installed in .vscode-test-web ($(elapsed "$t0"))"
	exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
	echo "[install.sh] code-server 4.100.3 needs node 20, found $(node -v)" >&2
	exit 1
fi

tc=$(date +%s)
# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache holds
# the release tarball; seed that cache with Debian's rg instead.
tmp="${TMPDIR:-/tmp}"
case "$(node -p process.arch)" in
	x64) rgTarget=x86_64-unknown-linux-musl ;;
	arm64) rgTarget=aarch64-unknown-linux-musl ;;
	*) echo "[install.sh] unsupported architecture $(node -p process.arch)" >&2; exit 1 ;;
esac
rgCache="$tmp/vscode-ripgrep-cache-1.15.11"
rgTar="$rgCache/ripgrep-v13.0.0-10-$rgTarget.tar.gz"
if [ ! -s "$rgTar" ]; then
	stage="$(mktemp -d)"
	cp "$(command -v rg)" "$stage/rg"
	mkdir -p "$rgCache"
	tar czf "$rgTar" -C "$stage" rg
	rm -rf "$stage"
fi

# Native modules (kerberos, node-pty, ...) build against the local node headers
# when they exist, so node-gyp need not download them.
prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node_api.h" ]; then
	export npm_config_nodedir="$prefix"
fi

step "installing code-server into .vscode-test-web"
# Only the install is replaced; npm start's state in .vscode-test-web/start survives.
rm -rf "$dest/node_modules" "$stamp"
mkdir -p "$dest"
cp "$manifest/package.json" "$manifest/package-lock.json" "$dest/"
(
	cd "$dest"
	# prefer-offline: a reinstall on the same machine reuses the npm cache (also for the nested installs).
	export npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_prefer_offline=true
	export TMPDIR="$tmp"
	npm ci --no-audit --no-fund --loglevel=error
) > "$dest/install.log" 2>&1 || {
	echo "[install.sh] npm ci failed; last lines of .vscode-test-web/install.log:" >&2
	tail -40 "$dest/install.log" >&2
	exit 1
}
[ -f "$entry" ] || { echo "[install.sh] code-server entry point missing after install" >&2; exit 1; }
echo "$want" > "$stamp"
step "code-server installed in $(elapsed "$tc") ($(du -sh "$dest" | cut -f1)); total $(elapsed "$t0")"
