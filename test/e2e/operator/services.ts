// The services the operator e2e tests deploy: sample-repo-like, with fast
// health checks (interval 1 s) and short monitor windows (2 s) to keep the
// suite within a few minutes.

export interface WebOptions {
  readonly image?: string;
  readonly replicas?: number | string;
  /** Replaces the working healthcheck command (e.g. one that always fails). */
  readonly healthTest?: string;
}

export function webYaml(o: WebOptions = {}): string {
  const test = o.healthTest ?? '["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]';
  return `kind: Service
name: web
image: ${o.image ?? "gitfleet/web:1"}
ports: [{target: 8080}]
healthcheck: {test: ${test}, interval: 1s, timeout: 5s, retries: 3}
depends_on: [api]
deploy:
  replicas: ${o.replicas ?? 3}
  placement: {preferences: [{spread: node.labels.zone}]}
  update_config: {parallelism: 1, order: start-first, monitor: 2s, failure_action: rollback}
  rollback_config: {parallelism: 0, order: start-first, monitor: 0s}
  restart_policy: {condition: any, delay: 1s}
`;
}

export function apiYaml(): string {
  return `kind: Service
name: api
image: gitfleet/busybox:1.35
# sh as PID 1 traps TERM, so a stop takes no grace period (httpd alone would ignore it).
command: ["sh", "-c", "trap 'exit 0' TERM; echo ok > /tmp/index.html; httpd -f -p 8080 -h /tmp & wait"]
env_secrets: {API_TOKEN: api-token}
environment: {LOG_LEVEL: info}
depends_on: [cache]
deploy:
  replicas: 2
  restart_policy: {delay: 1s}
`;
}

export function cacheYaml(): string {
  return `kind: Service
name: cache
image: gitfleet/busybox:1.35
command: ["sh", "-c", "mkdir -p /data && exec httpd -f -p 6379 -h /data"]
deploy:
  mode: global
  restart_policy: {delay: 1s}
`;
}
