// The services the edge e2e test deploys: web published in ingress mode on
// 8080 (HTTP: its healthcheck probes http://…:8080), and a toolbox on every
// host to call services by name from inside the cluster.

export const INGRESS_PORT = 8080;

export function publishedWebYaml(image = "gitfleet/web:1"): string {
  return `kind: Service
name: web
image: ${image}
ports: [{target: 8080, published: ${INGRESS_PORT}}]
healthcheck: {test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"], interval: 1s, timeout: 5s, retries: 3}
deploy:
  replicas: 3
  placement: {preferences: [{spread: node.labels.zone}]}
  update_config: {parallelism: 1, order: start-first, monitor: 2s, failure_action: rollback}
  restart_policy: {condition: any, delay: 1s}
`;
}

export function toolboxYaml(): string {
  return `kind: Service
name: toolbox
image: gitfleet/toolbox:1
command: ["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]
deploy:
  mode: global
`;
}

/** A second published service: adding it changes the edges' ports and aliases. */
export function echoYaml(published: number): string {
  return `kind: Service
name: echo
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; echo echo > /tmp/index.html; httpd -f -p 9000 -h /tmp & wait"]
ports: [{target: 9000, published: ${published}}]
deploy:
  replicas: 1
`;
}

export const PROXIED_PORT = 9100;

/** A TCP service that opts into the PROXY protocol and echoes the header it receives, in hex. */
export function proxiedYaml(): string {
  return `kind: Service
name: proxied
image: gitfleet/web:1
command: ["proxy-echo"]
ports: [{target: ${PROXIED_PORT}, published: ${PROXIED_PORT}, proxy_protocol: true}]
deploy:
  replicas: 1
`;
}

export const INTERNAL_PORT = 8081;

/** A service that publishes nothing: reachable only by name from inside the cluster. */
export function internalYaml(): string {
  return `kind: Service
name: internal
image: gitfleet/web:1
environment: [PORT=${INTERNAL_PORT}]
ports: [{target: ${INTERNAL_PORT}}]
deploy:
  replicas: 2
`;
}

/** A service with no port at all: adding or removing it changes only the edges' names. */
export function quietYaml(): string {
  return `kind: Service
name: quiet
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; sleep 100000 & wait"]
deploy:
  replicas: 1
`;
}
