// The fate of every service key of the Compose specification, in one table:
// what gitfleet does with it. `same`: the meaning Compose gives it, on each
// replica; `cluster`: a documented meaning across hosts; `ignored`: meaningless
// across hosts, accepted with a warning at the key (`ignored-key`); `refused`:
// an error at the key that says what to do instead (`unsupported-key`). The
// README's and repo-format's table is this one; a test walks the Compose
// schema's service keys and fails on any key missing here.

export type KeyFate = "same" | "cluster" | "ignored" | "refused";

export interface KeyEntry {
  readonly fate: KeyFate;
  /** same/cluster: what it does here; ignored: why (the warning); refused: what to do instead (the error). */
  readonly text: string;
  /** A key whose fate depends on its value or the rest of the service: decided in compose/service-keys.ts. */
  readonly conditional?: true;
}

const same = (text: string): KeyEntry => ({ fate: "same", text });
const cluster = (text: string): KeyEntry => ({ fate: "cluster", text });
const ignored = (text: string): KeyEntry => ({ fate: "ignored", text });
const refused = (text: string): KeyEntry => ({ fate: "refused", text });

export const SERVICE_KEYS: Readonly<Record<string, KeyEntry>> = {
  image: same("the image every replica runs (required: gitfleet does not build)"),
  command: same("overrides the image's CMD"),
  entrypoint: same("overrides the image's ENTRYPOINT"),
  environment: same(
    "map or KEY=value list; a bare KEY (or KEY:) takes its value from the interpolation variables (operator's, .env), left out with a warning when neither defines it, as in Compose",
  ),
  env_file: same(
    "KEY=value files (.env format) read from the commit, relative to the file: a stack's own folder, variables files under services/; later files win, environment: wins over them; required: false lets a missing one go; values never reach status",
  ),
  ports: same(
    "long or short form, also HOST_IP:PUBLISHED:TARGET; published ports reach the service on every host",
  ),
  expose: same("ports exposed to the cluster network (documentation in Docker; no publishing)"),
  healthcheck: same("Docker's health check; gates rollouts and the edge"),
  depends_on: same("start after these services are healthy (any condition); cycles are errors"),
  volumes: same(
    "named volumes (host-local, bind the replica to its host), tmpfs, bind mounts of absolute host paths within the ceiling (none by default but the host's time zone files /etc/localtime and /etc/timezone read-only, ceiling.allow_read_only_binds); short-form options ro, rw, z, Z, nocopy; in a stack, ./path is copied in when the commit holds it, else the host-local named volume <stack>_<path> (warning bind-mount-mapped); refused in services/",
  ),
  tmpfs: same("tmpfs mounts at these paths (path or path:options)"),
  labels: same("copied onto every container; gitfleet.* is reserved"),
  stop_grace_period: same("time between the stop signal and SIGKILL"),
  stop_signal: same("the signal that stops a replica"),
  user: same("user[:group] the process runs as"),
  working_dir: same("the process's working directory"),
  read_only: same("read-only root filesystem"),
  init: same("runs Docker's init as PID 1"),
  hostname: same("the container's host name (every replica gets the same one)"),
  domainname: same("the container's domain name"),
  extra_hosts: same("extra /etc/hosts lines (host:ip or host=ip)"),
  dns: same("DNS servers of the container"),
  dns_search: same("DNS search domains"),
  dns_opt: same("resolver options"),
  stdin_open: same("keeps stdin open"),
  tty: same("allocates a TTY"),
  shm_size: same("size of /dev/shm"),
  ulimits: same("resource limits (nofile, nproc, ...), passed to Docker as they are"),
  logging: same("the Docker log driver and its options on every host"),
  pids_limit: same("most processes a replica may run"),
  group_add: same("extra groups of the process"),
  cap_add: same("capabilities within the ceiling (ceiling.cap_add); case-insensitive, CAP_ optional"),
  cap_drop: same("capabilities removed; case-insensitive, CAP_ optional"),
  security_opt: same(
    "no-new-privileges, and what ceiling.security_opt allows (seccomp/apparmor unconfined refused by default)",
  ),
  sysctls: same("namespaced kernel settings within the ceiling (Kubernetes' safe set by default)"),
  privileged: same("only when the ceiling allows it"),
  network_mode: same(
    "host only, when the ceiling allows it; service:/container: (a shared namespace needs one host), none and bridge are refused (error unsupported-config: remove network_mode)",
  ),
  pid: same("host only when ceiling.allow_host_pid; otherwise the container's own"),
  ipc: same("host only when ceiling.allow_host_ipc; private and shareable as in Docker"),
  mem_limit: cluster("deploy.resources.limits.memory when that is not set"),
  mem_reservation: cluster("deploy.resources.reservations.memory (placement) when that is not set"),
  cpus: cluster("deploy.resources.limits.cpus when that is not set"),
  cpu_shares: same("relative CPU weight"),
  scale: cluster("deploy.replicas when that is not set"),
  restart: cluster(
    "deploy.restart_policy when that is not set: always and unless-stopped → any, on-failure[:N] → on-failure (max_attempts N), no → none; gitfleet replaces failed replicas itself",
  ),
  deploy: same(
    "Swarm's meaning and defaults: mode, replicas, resources, placement, update/rollback, restart_policy (whose condition also takes docker compose's always and unless-stopped, meaning any, and no, meaning none)",
  ),
  networks: cluster(
    "in a stack: the stack's networks (see Stacks); in services/ documents every service is on the cluster network, so it is ignored there with a warning",
  ),
  container_name: ignored(
    "gitfleet names every replica's container itself (several replicas cannot share one name); other services reach it by its service name",
  ),
  build: {
    fate: "refused",
    conditional: true,
    text: "gitfleet deploys images, it does not build them: build the image, push it to a registry the hosts can pull from, and name it in image:",
  },
  pull_policy: ignored(
    "gitfleet pulls an image on each host before a rollout when the host does not have it",
  ),
  platform: ignored("each host pulls the image for its own platform"),
  profiles: {
    fate: "cluster",
    conditional: true,
    text: "in a stack, as docker compose: a service with profiles is deployed only when COMPOSE_PROFILES (the operator's variables:, or the stack's .env) names one of them (* for all), else a warning profile-inactive; in services/ documents ignored with a warning (every service is deployed)",
  },
  links: ignored(
    "services already reach each other by name on the cluster network; link aliases are not made",
  ),
  external_links: ignored("containers outside gitfleet are not linked; reach them by address"),
  attach: ignored("log attachment is a docker compose up setting; logs stay with Docker's log driver"),
  develop: ignored("docker compose watch settings are for development"),
  annotations: ignored("OCI annotations need a newer Engine API than gitfleet speaks"),
  mac_address: ignored("replicas on several hosts cannot share one MAC address; Docker assigns one"),
  cpu_count: ignored("Windows containers only"),
  cpu_percent: ignored("Windows containers only"),
  credential_spec: ignored("Windows containers only"),
  isolation: ignored("Windows containers only"),
  cpuset: ignored("CPU numbers differ between hosts; use deploy.resources.limits.cpus"),
  cpu_quota: ignored("use deploy.resources.limits.cpus (or cpus:)"),
  cpu_period: ignored("use deploy.resources.limits.cpus (or cpus:)"),
  blkio_config: ignored("block device paths differ between hosts"),
  mem_swappiness: ignored("swap behaviour is the host's setting"),
  memswap_limit: ignored("swap is the host's setting; the memory limit applies"),
  secrets: {
    fate: "refused",
    conditional: true,
    text: "in a stack, files in each container (/run/secrets/<name>, or target:, mode, uid, gid) with values from the operator's secret store (top-level secrets: external: true; file:/environment: refused); in services/ documents refused: use env_secrets",
  },
  configs: refused(
    "only in a stack, where the Compose file's top-level configs: declare them (see Stacks): files put into each container before it starts; in services/ documents bake the file into the image, or pass the value in environment",
  ),
  extends: refused(
    "a service is read from its own document, never merged from another file or service: write the service out in full (YAML anchors and <<: merge keys work)",
  ),
  label_file: refused(
    "labels are read from the service's document, not from other files: write the labels in labels:",
  ),
  devices: refused(
    "host devices are not given to replicas (the operator's ceiling allows none): remove devices:, or run such work outside gitfleet",
  ),
  device_cgroup_rules: refused(
    "device access is not given to replicas: remove device_cgroup_rules:, or run such work outside gitfleet",
  ),
  gpus: refused("GPUs are not placed by gitfleet: remove gpus:, or run such work outside gitfleet"),
  cgroup: refused("the container's own cgroup namespace is the only one gitfleet gives; remove cgroup:"),
  cgroup_parent: refused("cgroup parents are host settings; remove cgroup_parent:"),
  cpu_rt_period: refused(
    "real-time scheduling needs host privileges gitfleet does not give: remove cpu_rt_period:",
  ),
  cpu_rt_runtime: refused(
    "real-time scheduling needs host privileges gitfleet does not give: remove cpu_rt_runtime:",
  ),
  oom_kill_disable: refused(
    "a replica that may not be OOM-killed can take its whole host down when it runs out of memory: remove oom_kill_disable:, and set a memory limit (deploy.resources.limits.memory) so that only the replica is stopped",
  ),
  oom_score_adj: refused(
    "the OOM score is left to Docker: remove oom_score_adj:, and set a memory limit (deploy.resources.limits.memory) instead",
  ),
  runtime: refused("the container runtime is a host setting; remove runtime:"),
  storage_opt: refused("storage options are host settings; remove storage_opt:"),
  userns_mode: refused("user namespace modes are host settings; remove userns_mode:"),
  uts: refused("sharing the host's UTS namespace is not allowed; remove uts:"),
  volumes_from: refused(
    "the other service's replicas may be on other hosts: share data through a named volume or a service instead",
  ),
  post_start: refused("lifecycle hooks are not run: do it in the image's entrypoint"),
  pre_stop: refused("lifecycle hooks are not run: handle the stop signal in the process"),
  provider: refused("provider services are a docker compose feature; deploy the service with an image"),
  models: refused(
    "model runners are a docker compose feature; deploy the model server as a service with an image",
  ),
  use_api_socket: refused(
    "the Docker API socket is never given to replicas (with it a container controls every container of its host, and the host): remove use_api_socket:, or run such tools outside gitfleet",
  ),
  // gitfleet's own keys, beside Compose's.
  env_secrets: same("gitfleet: environment variables whose values come from the operator's secret store"),
};

/** Keys with the given fate, for documentation and tests. */
export function keysWithFate(fate: KeyFate): string[] {
  return Object.entries(SERVICE_KEYS)
    .filter(([, e]) => e.fate === fate)
    .map(([k]) => k);
}
