#!/usr/bin/env bash
# Quick start: gitfleet on this machine's Docker, deploying sample-repo/.
#
#   npm run demo                 set up, deploy, show it working, keep running until Ctrl-C
#   npm run demo -- --once       the same, then stop the operator (the containers keep running)
#   npm run demo -- --clean      remove the demo's containers, network and .demo/
#
# What it does: makes sure the local dockerd runs; builds the images (no registry
# needed); copies sample-repo/ into .demo/repo and commits it there (a local Git
# repository: commit to it and gitfleet deploys the change); writes an operator
# configuration (.demo/gitfleet.yaml) and a secret store (.demo/secrets); runs
# `gitfleet run`; waits until the status branch says Synced; shows the containers,
# STATUS.md from the status branch (gitfleet/status) and a published service answering.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO="$ROOT/.demo"
REPO="$DEMO/repo"
CLUSTER=demo # the name in sample-repo/cluster.yaml: every container gets gitfleet.cluster=demo
STATUS_BRANCH=gitfleet/status
MODE=run
case "${1:-}" in
  "") ;;
  --once) MODE=once ;;
  --clean) MODE=clean ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
esac

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() {
  printf '\033[31merror:\033[0m %s\n' "$*" >&2
  # Never leave an operator behind: a second demo would then fight it over the containers.
  [[ -z "${OPERATOR:-}" ]] || kill -TERM "$OPERATOR" 2>/dev/null || true
  exit 1
}

ensure_docker() {
  docker info >/dev/null 2>&1 && return 0
  say "starting the local Docker daemon"
  mkdir -p "$DEMO"
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker 2>/dev/null; then :
  elif command -v service >/dev/null 2>&1 && service docker start >/dev/null 2>&1; then :
  else nohup dockerd >"$DEMO/dockerd.log" 2>&1 &
  fi
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "dockerd did not come up (see $DEMO/dockerd.log)"
}

clean() {
  say "removing the demo's containers and network"
  local ids
  ids=$(docker ps -aq --filter "label=gitfleet.cluster=$CLUSTER")
  [[ -n "$ids" ]] && docker rm -f $ids >/dev/null
  # The cluster lock's record (a never-started container), left behind when the operator was killed.
  ids=$(docker ps -aq --filter "label=gitfleet.lock=$CLUSTER")
  [[ -n "$ids" ]] && docker rm -f $ids >/dev/null
  docker network rm "gf-$CLUSTER" >/dev/null 2>&1 || true
  rm -rf "$DEMO"
  echo "done"
}

# sample-repo/ as a Git repository; re-running picks up edits of sample-repo/ as a new commit.
make_repo() {
  mkdir -p "$REPO"
  if [[ ! -d "$REPO/.git" ]]; then git -C "$REPO" init -q -b main; fi
  find "$REPO" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  cp -a "$ROOT/sample-repo/." "$REPO/"
  git -C "$REPO" add -A
  if ! git -C "$REPO" diff --cached --quiet 2>/dev/null || ! git -C "$REPO" rev-parse -q --verify HEAD >/dev/null; then
    git -C "$REPO" -c user.name="gitfleet demo" -c user.email=demo@localhost commit -q -m "sample-repo"
  fi
  echo "$REPO at $(git -C "$REPO" rev-parse --short HEAD)"
}

write_config() {
  mkdir -p "$DEMO/secrets/env"
  chmod 700 "$DEMO/secrets" "$DEMO/secrets/env"
  # The api service takes API_TOKEN from the secret store (env_secrets), never from Git.
  # Application secrets live in env/, apart from TLS material and registry credentials;
  # gitfleet refuses secret files group or others can read (chmod 600).
  [[ -f "$DEMO/secrets/env/demo-api-token" ]] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DEMO/secrets/env/demo-api-token"
  chmod 600 "$DEMO/secrets/env/demo-api-token"
  cat >"$DEMO/gitfleet.yaml" <<YAML
# Written by scripts/demo.sh. See schemas/operator.schema.json for every setting.
repository:
  path: ./repo
  branch: main
poll: "*/2 * * * * *"
status:
  branch: $STATUS_BRANCH
secrets_dir: ./secrets
work_dir: ./work
# The trust root: what the repository may ask for. sample-repo needs nothing beyond
# the baseline ceiling (no privileges, host namespaces or bind mounts); this pins
# the cluster name and the one engine it may manage, and says which service may
# read which application secret.
ceiling:
  cluster: $CLUSTER
  endpoints: ["unix:///var/run/docker.sock"]
  secrets:
    - {secrets: [demo-api-token], services: [api]}
YAML
  echo "$DEMO/gitfleet.yaml"
}

status_file() { git -C "$REPO" show "$STATUS_BRANCH:$1" 2>/dev/null; }

# Converged means: this operator (not an earlier run) finished a pass with nothing left
# to do, and the status branch says Synced.
converged() {
  tail -n +"$((LOG_START + 1))" "$DEMO/operator.log" 2>/dev/null |
    grep -q '"msg":"pass: converged"' &&
    status_file status/cluster.yaml | grep -q '^sync: Synced'
}

wait_synced() {
  local deadline=$((SECONDS + 180))
  until converged; do
    kill -0 "$OPERATOR" 2>/dev/null || { tail -n 20 "$DEMO/operator.log" >&2; die "the operator stopped (log: $DEMO/operator.log)"; }
    ((SECONDS < deadline)) || die "not Synced after 3 minutes (log: $DEMO/operator.log)"
    sleep 1
  done
}

show() {
  say "managed containers (label gitfleet.cluster=$CLUSTER)"
  docker ps --filter "label=gitfleet.cluster=$CLUSTER" --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}'
  say "STATUS.md on branch $STATUS_BRANCH (git -C .demo/repo show $STATUS_BRANCH:STATUS.md)"
  status_file STATUS.md
  say "published services answering"
  echo "\$ curl http://127.0.0.1:6380/health      # cache, port 6380 published in mode host"
  curl -fsS --max-time 3 http://127.0.0.1:6380/health || echo "(no answer)"
  echo "\$ curl http://127.0.0.1:8080/             # web through the edge"
  curl -fsS --max-time 3 http://127.0.0.1:8080/ || echo "(no answer)"
  echo "\$ curl http://127.0.0.1:8080/cgi-bin/whoami # x6: the edge balances over the replicas"
  local i
  for i in 1 2 3 4 5 6; do curl -fsS --max-time 3 http://127.0.0.1:8080/cgi-bin/whoami || echo "(no answer)"; done
}

stop_operator() {
  if kill -0 "$OPERATOR" 2>/dev/null; then
    say "stopping gitfleet (it finishes its current step and writes status)"
    kill -TERM "$OPERATOR" 2>/dev/null || true
    wait "$OPERATOR" || true
  fi
}

[[ "$MODE" == clean ]] && { ensure_docker; clean; exit 0; }
cd "$ROOT"
say "checking dependencies (scripts/install-deps.sh)"
bash "$ROOT/scripts/install-deps.sh"
ensure_docker
say "building the images (scripts/build-images.sh)"
bash "$ROOT/scripts/build-images.sh"
say "sample-repo as a local Git repository"
make_repo
say "operator configuration"
write_config

say "starting gitfleet run --config .demo/gitfleet.yaml (log: .demo/operator.log)"
# Its own session: Ctrl-C reaches only this script, which forwards exactly one SIGTERM
# (a second signal would make gitfleet exit without finishing its current step).
LOG_START=$(wc -l <"$DEMO/operator.log" 2>/dev/null || echo 0)
setsid node --import tsx "$ROOT/src/cli/main.ts" run --config "$DEMO/gitfleet.yaml" >>"$DEMO/operator.log" 2>&1 &
OPERATOR=$!
trap 'stop_operator; exit 0' INT TERM
wait_synced
show

if [[ "$MODE" == once ]]; then
  stop_operator
  say "done: the containers keep running; 'npm run demo -- --clean' removes them"
  exit 0
fi
say "gitfleet keeps the cluster converged. Try, in another terminal:"
cat <<TXT
  sed -i 's/replicas: 3/replicas: 4/' .demo/repo/services/web.yaml
  git -C .demo/repo commit -qam "web: 4 replicas"
  git -C .demo/repo show $STATUS_BRANCH:STATUS.md      # a few seconds later
  tail -f .demo/operator.log                           # what it does (JSON lines)
Ctrl-C stops gitfleet; the containers keep running ('npm run demo -- --clean' removes them).
TXT
wait "$OPERATOR"
