#!/usr/bin/env bash
# Installs what gitfleet, its demo and its tests need on Debian 12, as root:
# the Debian packages (only when one is missing, so a set-up machine pays
# nothing) and the npm dependencies (when node_modules is absent, or with --npm).
#   bash scripts/install-deps.sh [--npm]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

# busybox-static, not busybox: the two conflict, and the image recipes want the static one.
# etcd-server: the lease store of standby operators (leader election tests start their own members).
# openssh-server: the test bed's sshd and the Git-over-SSH tests run their own sshd
# (own config and keys); the machine's own ssh service is left as Debian sets it up.
# prometheus: its promtool checks the metrics output and the shipped alert rules, and an e2e
# test scrapes a running operator with the real server.
PACKAGES=(docker.io iproute2 busybox-static haproxy docker-registry git curl iptables gnupg openssl procps
  openssh-server openssh-client etcd-server prometheus)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  [[ $EUID -eq 0 ]] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  echo "install-deps: apt-get install ${missing[*]}"
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
# Debian starts its own registry on :5000, the port the test bed's registry takes.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry
fi
# Likewise Debian's etcd on :2379: the tests start their own members on free ports.
if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
  systemctl stop etcd
fi

if [[ "${1:-}" == --npm || ! -d node_modules ]]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
fi
