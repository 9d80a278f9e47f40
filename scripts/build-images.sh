#!/usr/bin/env bash
# Builds the images the demo and the tests use, without any registry: each is a root
# filesystem staged from this machine's binaries (scripts/images/*.sh) and imported.
# On a machine without busybox-static (or haproxy) the recipes fall back to pulling
# the public images and re-packing them under the same names.
#
#   build-images.sh [--docker-host URL] [--testbed]
#
# Images go into the daemon at --docker-host (default: DOCKER_HOST, else the local
# /var/run/docker.sock). An image whose content hash (label gitfleet.image-hash)
# matches is left alone. --testbed then also loads them into the test bed's hosts
# h1..h3 and pushes them to its registry as 10.231.0.1:5000/<name>:<tag>.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/images/lib.sh
source "$ROOT/scripts/images/lib.sh"

# image  recipe  recipe arguments
IMAGES=(
  "gitfleet/busybox:1.35 busybox"
  "gitfleet/web:1 web 1"
  "gitfleet/web:2 web 2"
  "gitfleet/toolbox:1 toolbox"
  "gitfleet/haproxy:2.6 haproxy"
)
HASH_LABEL=gitfleet.image-hash
TESTBED_STATE=/run/gitfleet-testbed
TESTBED_HOSTS=(h1 h2 h3)
REGISTRY=10.231.0.1:5000

log() { printf '[images] %s\n' "$*" >&2; }

# Content hash of a staged root filesystem and its image settings: paths, types,
# modes, link targets and file contents (not times), so a rebuild is skipped exactly
# when it would produce the same image.
content_hash() {
  local rootfs=$1
  shift
  {
    (cd "$rootfs" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort)
    (cd "$rootfs" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-16
}

build_one() {
  local ref=$1 recipe=$2 work hash current
  shift 2
  work="$WORK/${ref//[\/:]/_}"
  mkdir -p "$work"
  # Each recipe defines stage() and CHANGES; a subshell keeps them apart.
  (
    # shellcheck source=/dev/null
    source "$IMAGES_DIR/$recipe.sh"
    stage "$work/rootfs" "$@"
    # shellcheck disable=SC2153 # set by the recipe
    printf '%s\n' "${CHANGES[@]}" >"$work/changes"
  )
  local changes=()
  mapfile -t changes <"$work/changes"
  hash=$(content_hash "$work/rootfs" "${changes[@]}")
  current=$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$ref" 2>/dev/null || true)
  if [[ "$current" == "$hash" ]]; then
    log "$ref: unchanged ($hash)"
    return 0
  fi
  local args=() change
  for change in "${changes[@]}" "LABEL $HASH_LABEL=$hash"; do args+=(--change "$change"); done
  tar -C "$work/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . |
    docker import "${args[@]}" - "$ref" >/dev/null
  log "$ref: built ($hash)"
}

# "image id" for every gitfleet image in a daemon (one CLI call: each costs ~0.1 s).
image_ids() {
  docker "$@" images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 'gitfleet/*'
}

# Loads into every test host the images it lacks (or has in another version).
load_into_testbed() {
  local h pids=() failed=0 wanted
  wanted=$(image_ids)
  for h in "${TESTBED_HOSTS[@]}"; do
    (
      local host="unix://$TESTBED_STATE/$h.sock" entry ref missing=() present
      present=$(image_ids -H "$host")
      for entry in "${IMAGES[@]}"; do
        ref=${entry%% *}
        grep -qxF "$(grep "^$ref " <<<"$wanted")" <<<"$present" || missing+=("$ref")
      done
      if ((${#missing[@]} > 0)); then
        docker save "${missing[@]}" | docker -H "$host" load -q >/dev/null
        log "$h: loaded ${missing[*]}"
      else
        log "$h: has every image"
      fi
    ) &
    pids+=($!)
  done
  for h in "${pids[@]}"; do wait "$h" || failed=1; done
  return $failed
}

# The registry's manifest for REF names its config digest, which is the image ID.
registry_image_id() {
  local repo=${1%:*} tag=${1##*:}
  curl -sf --max-time 5 -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$repo/manifests/$tag" | tr -d ' \n' |
    grep -oE '"config":\{[^}]*\}' | grep -oE 'sha256:[0-9a-f]+' || true
}

# Pushes from h1 (the test daemons trust the plain-HTTP registry; the default daemon
# may not), then drops the registry tag so h1 looks like the others.
push_to_registry() {
  local host="unix://$TESTBED_STATE/h1.sock" entry ref present
  present=$(image_ids -H "$host")
  for entry in "${IMAGES[@]}"; do
    ref=${entry%% *}
    grep -qxF "$ref $(registry_image_id "$ref")" <<<"$present" && continue
    docker -H "$host" tag "$ref" "$REGISTRY/$ref"
    docker -H "$host" push "$REGISTRY/$ref" >/dev/null
    docker -H "$host" rmi "$REGISTRY/$ref" >/dev/null
    log "registry: pushed $REGISTRY/$ref"
  done
}

main() {
  local testbed=0
  while (($# > 0)); do
    case "$1" in
    --testbed) testbed=1 ;;
    --docker-host) export DOCKER_HOST=${2:?--docker-host needs a URL}; shift ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;;
    *) log "unknown argument: $1"; return 2 ;;
    esac
    shift
  done
  # One build at a time per machine: concurrent test runs share the daemons.
  exec 8>/run/gitfleet-build-images.lock
  flock 8
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  export BASE_CACHE="$WORK/busybox-base"
  local entry
  for entry in "${IMAGES[@]}"; do
    # shellcheck disable=SC2086 # entry is "ref recipe args..."
    build_one $entry
  done
  if ((testbed)); then
    bash "$ROOT/scripts/testbed.sh" status >/dev/null || {
      log "the test bed is not (fully) up: run scripts/testbed.sh up first"
      return 1
    }
    load_into_testbed
    push_to_registry
  fi
}

main "$@"
