#!/usr/bin/env bash
# The Docker test bed: three real Docker hosts on one machine, each its own dockerd in
# its own network namespace with its own address on the bridge gfbr0, plus a local
# image registry on the bridge. See "Test bed" in architecture.md.
#
#   testbed.sh up | down | purge | status | reset
#   testbed.sh kill|start|freeze|thaw|cut|restore HOST      (HOST: h1, h2 or h3)
#
# Every command is idempotent. `up` only repairs what is missing (and thaws, reconnects
# and starts hosts), so it is fast when the bed is already up. `reset` = up + remove
# every container (and unused network) on every host, for test isolation. `down`
# stops everything and keeps only the hosts' data (their image cache); `purge` also
# deletes that.
set -euo pipefail

STATE=/run/gitfleet-testbed        # sockets, pids, exec roots: tmpfs, gone after reboot
DATA=/var/lib/gitfleet-testbed     # data roots (image cache), registry storage, logs
BRIDGE=gfbr0
BRIDGE_ADDR=10.231.0.1
REGISTRY="$BRIDGE_ADDR:5000"
HOSTS=(h1 h2 h3)
FW_TAG=gitfleet-testbed
SSH_HOST=h1                        # the host whose engine is also reachable over SSH
SSH_DIR="$STATE/ssh"               # its sshd's config, host key, client key, known_hosts

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

check_host() { [[ " ${HOSTS[*]} " == *" $1 "* ]] || die "unknown host '$1' (expected one of: ${HOSTS[*]})"; }
host_addr() { echo "10.231.0.1${1#h}"; }
netns_of() { echo "gf-$1"; }
veth_of() { echo "gfv-$1"; }   # root-namespace end; the host's end is its eth0
sock_of() { echo "$STATE/$1.sock"; }

# The pid of HOST's dockerd, or nothing when it is not running.
daemon_pid() {
  local pid
  pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 0
  # A killed daemon may linger as a zombie until init reaps it: that is not running.
  [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 0
  [[ "$(proc_state "$pid")" == Z ]] || echo "$pid"
}

proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true; }

is_frozen() { [[ "$(proc_state "$1")" == T ]]; }

api_ok() { [[ "$(curl -sf --max-time "${2:-1}" --unix-socket "$(sock_of "$1")" http://d/_ping 2>/dev/null)" == OK ]]; }
registry_ok() { curl -sf --max-time 1 -o /dev/null "http://$REGISTRY/v2/"; }
link_up() { [[ -n "$(ip link show dev "$(veth_of "$1")" up 2>/dev/null)" ]]; }

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # Hosts talk to each other across the bridge. With br_netfilter loaded (dockerd loads
  # it) bridged frames go through the root FORWARD chain, whose policy the default
  # dockerd sets to DROP: let the bridge's own traffic through, and nothing else.
  for dir in -i -o; do
    iptables -C FORWARD "$dir" "$BRIDGE" -m comment --comment "$FW_TAG" -j ACCEPT 2>/dev/null ||
      iptables -I FORWARD 1 "$dir" "$BRIDGE" -m comment --comment "$FW_TAG" -j ACCEPT
  done
}

ensure_netns() {
  local h=$1 ns veth
  ns=$(netns_of "$h") veth=$(veth_of "$h")
  [[ -e "/var/run/netns/$ns" ]] || ip netns add "$ns"
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$BRIDGE"
    ip -n "$ns" addr add "$(host_addr "$h")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$BRIDGE_ADDR"
  fi
  ip link set "$veth" up
}

# Starts HOST's dockerd in the background (no wait). nsenter, never `ip netns exec`:
# the latter remounts /sys and dockerd then fails ("Devices cgroup isn't mounted").
# Its own UTS namespace gives it its own hostname (docker info's Name).
# --tls=false says on purpose what it would otherwise warn about, and spares the
# 15 s pause dockerd 20.10 takes when it listens on TCP without TLS. The lock (fd 9)
# is not inherited, or the daemon would hold it for its whole life.
launch_daemon() {
  local h=$1 n=${1#h}
  mkdir -p "$STATE/$h" "$DATA/$h" "$DATA/logs"
  # Own config file (so /etc/docker/daemon.json of the default daemon does not leak in)
  # and own key, so every host reports its own engine ID.
  # Only called when the daemon is not running: a stale pidfile (a killed daemon whose
  # zombie init has not reaped yet) would make dockerd refuse to start.
  rm -f "$STATE/$h.pid"
  # Likewise its containerd, which dies with a killed dockerd: while it is a zombie the
  # new dockerd would wait for it ("containerd is still running") and then time out.
  local cpid
  cpid=$(cat "$STATE/$h/containerd/containerd.pid" 2>/dev/null || true)
  if [[ -n "$cpid" && ("$(cat "/proc/$cpid/comm" 2>/dev/null)" != containerd || "$(proc_state "$cpid")" == Z) ]]; then
    rm -f "$STATE/$h/containerd/containerd.pid"
  fi
  printf '{ "deprecated-key-path": "%s" }\n' "$DATA/$h/key.json" >"$STATE/$h.json"
  log "starting dockerd on $h ($(host_addr "$h"))"
  # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
  setsid nsenter --net="/var/run/netns/$(netns_of "$h")" \
    unshare --uts sh -c 'hostname "$0" && exec "$@"' "$h" \
    dockerd --config-file "$STATE/$h.json" \
    --data-root "$DATA/$h" --exec-root "$STATE/$h" --pidfile "$STATE/$h.pid" \
    -H "unix://$(sock_of "$h")" -H "tcp://$(host_addr "$h"):2375" \
    --bip "10.24$n.0.1/24" --default-address-pool "base=10.24$n.128.0/17,size=24" \
    --insecure-registry "$REGISTRY" \
    --containerd-namespace "gf-$h" --containerd-plugins-namespace "gf-$h-plugins" \
    --shutdown-timeout 5 \
    --tls=false \
    >>"$DATA/logs/$h.log" 2>&1 </dev/null 9>&- &
  echo "$SECONDS" >"$STATE/$h.launched"
}

wait_daemon() {
  local h=$1 deadline=$((SECONDS + 90))
  until api_ok "$h"; do
    ((SECONDS < deadline)) || die "dockerd on $h did not answer within 90 s (see $DATA/logs/$h.log)"
    # dockerd writes its pidfile within a second or two; no pid after that means it died.
    if [[ -z "$(daemon_pid "$h")" ]] && ((SECONDS > $(cat "$STATE/$h.launched") + 5)); then
      die "dockerd on $h exited: $(tail -n 3 "$DATA/logs/$h.log")"
    fi
    sleep 0.2
  done
}

ensure_registry() {
  registry_ok && return 0
  local pid
  pid=$(cat "$STATE/registry.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  if ss -Hltn "sport = :5000" | grep -q .; then
    die "port 5000 is taken by another process (Debian's docker-registry service? systemctl stop docker-registry)"
  fi
  mkdir -p "$DATA/registry" "$DATA/logs"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $DATA/registry }
  delete: { enabled: true }
http: { addr: "$REGISTRY" }
EOF
  log "starting registry on $REGISTRY"
  setsid docker-registry serve "$STATE/registry.yml" >>"$DATA/logs/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/registry.pid"
  local deadline=$((SECONDS + 20))
  until registry_ok; do
    ((SECONDS < deadline)) || die "registry did not answer (see $DATA/logs/registry.log)"
    sleep 0.1
  done
}

sshd_pid() {
  local pid
  pid=$(cat "$SSH_DIR/sshd.pid" 2>/dev/null) || return 0
  [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == sshd ]] && echo "$pid" || true
}

# Debian's OpenSSH server in SSH_HOST's namespace, with keys of its own: generated here,
# never the machine's /etc/ssh keys. Logging in as root (key only) runs commands with
# DOCKER_HOST set to that host's daemon. Tests read client_key and known_hosts from here.
ensure_sshd() {
  local h=$SSH_HOST addr
  addr=$(host_addr "$h")
  mkdir -p "$SSH_DIR" "$DATA/logs" /run/sshd
  chmod 700 "$SSH_DIR"
  [[ -f "$SSH_DIR/host_ed25519_key" ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "gitfleet-testbed-$h" -f "$SSH_DIR/host_ed25519_key"
  [[ -f "$SSH_DIR/client_key" ]] ||
    ssh-keygen -q -t ed25519 -N '' -C gitfleet-testbed-client -f "$SSH_DIR/client_key"
  cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
  echo "$addr $(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519_key.pub")" >"$SSH_DIR/known_hosts"
  cat >"$SSH_DIR/sshd_config" <<EOF
ListenAddress $addr:22
HostKey $SSH_DIR/host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
MaxStartups 50
SetEnv DOCKER_HOST=unix://$(sock_of "$h")
EOF
  [[ -z "$(sshd_pid)" ]] || return 0
  log "starting sshd on $h ($addr:22)"
  nsenter --net="/var/run/netns/$(netns_of "$h")" /usr/sbin/sshd -f "$SSH_DIR/sshd_config" \
    -E "$DATA/logs/sshd-$h.log" 9>&-
  local deadline=$((SECONDS + 10))
  until [[ -n "$(sshd_pid)" ]]; do
    ((SECONDS < deadline)) || die "sshd on $h did not start (see $DATA/logs/sshd-$h.log)"
    sleep 0.1
  done
}

thaw() { local pid; pid=$(daemon_pid "$1"); [[ -z "$pid" ]] || kill -CONT "$pid"; }

# SIGKILL, like a crash: its containers' shims live on. Returns once it is gone, so a
# `start` right after does not mistake the dying process for a running daemon.
kill_daemon() {
  local pid deadline=$((SECONDS + 10))
  pid=$(daemon_pid "$1")
  [[ -n "$pid" ]] || return 0
  kill -KILL "$pid"
  while [[ -n "$(daemon_pid "$1")" ]]; do
    ((SECONDS < deadline)) || die "dockerd on $1 (pid $pid) survived SIGKILL"
    sleep 0.05
  done
}

cmd_up() {
  mkdir -p "$STATE"
  ensure_bridge
  local h pending=()
  for h in "${HOSTS[@]}"; do
    ensure_netns "$h"
    thaw "$h"
    if ! api_ok "$h" 3; then
      [[ -n "$(daemon_pid "$h")" ]] || launch_daemon "$h"
      pending+=("$h")
    fi
  done
  ensure_registry
  ensure_sshd
  # The daemons start in parallel (each takes seconds); wait for all of them here.
  for h in "${pending[@]}"; do wait_daemon "$h"; done
}

# Stops HOST's dockerd cleanly: its containers first (faster than the daemon's own
# shutdown), then the daemon; whatever survives a timeout is killed.
stop_host() {
  local h=$1 pid
  thaw "$h"
  if [[ -z "$(daemon_pid "$h")" && -d "$DATA/$h" ]] && ip link show "$(veth_of "$h")" >/dev/null 2>&1; then
    # Killed earlier: containerd and the containers may still run. Let dockerd restore
    # and then stop them, rather than hunting its processes down.
    launch_daemon "$h"
    wait_daemon "$h"
  fi
  pid=$(daemon_pid "$h")
  [[ -n "$pid" ]] || return 0
  remove_containers "$h" || true
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while [[ -e "/proc/$pid" ]] && ((SECONDS < deadline)); do sleep 0.2; done
  [[ -e "/proc/$pid" ]] && { log "dockerd on $h did not stop; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  return 0
}

remove_containers() {
  local docker=(docker -H "unix://$(sock_of "$1")") ids
  mapfile -t ids < <("${docker[@]}" ps -aq)
  ((${#ids[@]} == 0)) || "${docker[@]}" rm -f -v "${ids[@]}" >/dev/null
  "${docker[@]}" network prune -f >/dev/null
}

cmd_down() {
  local h pid
  for h in "${HOSTS[@]}"; do stop_host "$h" & done
  wait
  pid=$(cat "$STATE/registry.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  pid=$(sshd_pid)
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  for h in "${HOSTS[@]}"; do
    ip link del "$(veth_of "$h")" 2>/dev/null || true
    ip netns del "$(netns_of "$h")" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  for dir in -i -o; do
    while iptables -D FORWARD "$dir" "$BRIDGE" -m comment --comment "$FW_TAG" -j ACCEPT 2>/dev/null; do :; done
  done
  # Anything a daemon left mounted (it should not after a clean stop).
  local mounts
  mapfile -t mounts < <(awk -v a="$STATE" -v b="$DATA" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts | sort -r)
  for m in "${mounts[@]}"; do log "unmounting leftover $m"; umount -l "$m" || true; done
  rm -rf "$STATE"
  log "down (images stay cached in $DATA; 'purge' removes them too)"
}

cmd_status() {
  local h pid state link rc=0
  for h in "${HOSTS[@]}"; do
    pid=$(daemon_pid "$h")
    if [[ -z "$pid" ]]; then state=stopped; rc=1
    elif is_frozen "$pid"; then state=frozen; rc=1
    elif api_ok "$h"; then state=running
    else state=starting; rc=1; fi
    if link_up "$h"; then link="connected"; else link="cut"; rc=1; fi
    printf '%s %s %s %s tcp://%s:2375\n' "$h" "$state" "$link" "$(sock_of "$h")" "$(host_addr "$h")"
  done
  if registry_ok; then echo "registry running $REGISTRY"; else echo "registry stopped $REGISTRY"; rc=1; fi
  if [[ -n "$(sshd_pid)" ]]; then echo "sshd running ssh://root@$(host_addr "$SSH_HOST")"; else echo "sshd stopped ssh://root@$(host_addr "$SSH_HOST")"; rc=1; fi
  return $rc
}

cmd_reset() {
  cmd_up
  local h
  for h in "${HOSTS[@]}"; do remove_containers "$h" & done
  wait
}

main() {
  [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, dockerd)"
  local cmd=${1:-}
  case "$cmd" in
  up | down | purge | status | reset) ;;
  kill | start | freeze | thaw | cut | restore) [[ $# -eq 2 ]] || die "usage: $0 $cmd HOST"; check_host "$2" ;;
  *) die "usage: $0 up|down|purge|status|reset|kill HOST|start HOST|freeze HOST|thaw HOST|cut HOST|restore HOST" ;;
  esac
  # One command at a time: tests (and people) may call the script concurrently.
  mkdir -p "$(dirname "$STATE")"
  exec 9>"/run/gitfleet-testbed.lock"
  flock 9
  local h=${2:-} pid
  case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  purge) cmd_down && rm -rf "$DATA" ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  kill) kill_daemon "$h" ;;
  start) [[ -n "$(daemon_pid "$h")" ]] || { launch_daemon "$h"; wait_daemon "$h"; } ;;
  freeze) pid=$(daemon_pid "$h"); [[ -n "$pid" ]] || die "$h is not running"; kill -STOP "$pid" ;;
  thaw) thaw "$h" ;;
  cut) ip link set "$(veth_of "$h")" down ;;
  restore) ip link set "$(veth_of "$h")" up ;;
  esac
}

main "$@"
