// EdgePlan → haproxy.cfg text, byte for byte the same for the same plan.
//
// Choices that keep traffic flowing while the fleet changes:
// - master-worker plus `expose-fd listeners`: a reload hands the listening
//   sockets to the new worker; the old one finishes its connections.
// - round-robin, `retries 3` with `option redispatch 1`: a connection refused by
//   a replica that just went away is retried on another one; idempotent HTTP
//   requests are also retried when a reused connection closes under them.
// - a 500 ms connect timeout (the backends are on the hosts' LAN): a
//   connection to a host cut off the network is given up after 500 ms and,
//   after HAProxy's turn-around pause of min(timeout connect, 1 s), redispatched:
//   about 1 s in all (with 2 s it was 4 s, and clients gave up).
// - active checks derived from the service's healthcheck (every second at
//   least, down after 2 misses, a faster interval while a server changes
//   state), plus passive layer-4 observation: one failed connection takes a
//   server out at once, so later requests go straight to the live ones.
//   Sessions on a server that goes down are not shut (`on-marked-down
//   shutdown-sessions` was measured: it cut requests that were about to be
//   redispatched, 2 failed where none fail without it).

import { formatAddress } from "./backends.js";
import { planEdge } from "./plan.js";
import type { EdgeBackend, EdgeCheck, EdgeInput, EdgeListener, EdgePlan } from "./types.js";

const INDENT = "    ";

function section(header: string, lines: readonly string[]): string {
  return [header, ...lines.map((l) => INDENT + l)].join("\n");
}

/** HAProxy time: whole seconds when exact, else milliseconds. */
function time(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function comment(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, " ")}`;
}

function header(plan: EdgePlan): string {
  const lines = [
    comment(`gitfleet edge of cluster ${plan.cluster} on host ${plan.host.name} (${plan.host.address}).`),
    comment("Rendered from the placement and the observed replicas; rewritten on every change, do not edit."),
  ];
  if (plan.issues.length > 0) {
    lines.push(
      "#",
      comment("Not served as specified:"),
      ...plan.issues.map((i) => comment(`  ${i.code}: ${i.message}`)),
    );
  }
  return lines.join("\n");
}

function globalSection(plan: EdgePlan): string {
  return section("global", [
    "master-worker",
    `stats socket ${plan.options.statsSocket} mode 600 level admin expose-fd listeners`,
    "stats timeout 30s",
    `hard-stop-after ${time(plan.options.hardStopAfterMs)}`,
    ...(plan.options.idleCloseOnResponse ? ["idle-close-on-response"] : []),
    // notice: server state changes and alerts, not one line per request.
    "log stdout format raw local0 notice",
  ]);
}

function defaultsSection(): string {
  return section("defaults", [
    "log global",
    "option dontlognull",
    "timeout connect 500ms",
    "timeout client 30s",
    "timeout server 30s",
    "timeout tunnel 1h",
    "timeout http-request 10s",
    "timeout http-keep-alive 10s",
    "timeout queue 5s",
    "retries 3",
    "option redispatch 1",
    // A DNS-named host that does not resolve must not stop the whole edge from starting.
    "default-server init-addr last,libc,none",
  ]);
}

function frontend(l: EdgeListener): string {
  const served = l.routes.map((r) => `${r.service} (${r.kind})`).join(", ");
  const lines = [comment(served), `bind ${formatAddress(l.bind, l.port)}`, `mode ${l.mode}`];
  if (l.mode === "http") {
    lines.push("option httplog", "option forwardfor");
    for (const r of l.hostRoutes) {
      const hosts = (r.names ?? [r.service]).flatMap((n) => [n, `${n}:${l.port}`]);
      lines.push(`use_backend ${r.backend} if { req.hdr(host) -i ${hosts.join(" ")} }`);
    }
  } else {
    lines.push("option tcplog");
  }
  if (l.defaultBackend !== undefined) lines.push(`default_backend ${l.defaultBackend}`);
  else lines.push(comment("no default: a Host naming no service gets 503"));
  return section(`frontend ${l.name}`, lines);
}

function checkLines(c: EdgeCheck): string[] {
  const lines =
    c.kind === "http"
      ? [
          "option httpchk",
          `http-check send meth GET uri ${c.path} ver HTTP/1.1 hdr Host localhost`,
          "http-check expect status 200-399",
        ]
      : [];
  return [
    ...lines,
    `timeout check ${time(c.timeoutMs)}`,
    `default-server inter ${time(c.interMs)} fastinter ${time(Math.min(c.interMs, 500))} fall ${c.fall} rise ${c.rise}` +
      " observe layer4 error-limit 1 on-error mark-down",
  ];
}

function backend(b: EdgeBackend): string {
  const n = b.servers.length;
  const lines = [
    comment(
      n === 0
        ? `${b.service}:${b.target}: no replica in rotation (HTTP: 503 at once; TCP: closed at once)`
        : `${b.service}:${b.target}: ${n} replica(s)`,
    ),
    `mode ${b.mode}`,
    "balance roundrobin",
  ];
  if (b.mode === "http") {
    lines.push(
      "retry-on conn-failure empty-response",
      "http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }",
    );
  }
  lines.push(...checkLines(b.check));
  const extra = b.proxyProtocol ? " send-proxy-v2 check-send-proxy" : "";
  for (const s of b.servers) lines.push(`server ${s.name} ${formatAddress(s.address, s.port)} check${extra}`);
  return section(`backend ${b.name}`, lines);
}

function statsSection(plan: EdgePlan): string | undefined {
  const stats = plan.options.stats;
  if (stats === undefined) return undefined;
  return section("frontend gf_stats", [
    `bind ${formatAddress(stats.bind ?? "*", stats.port)}`,
    "mode http",
    "no log",
    "http-request use-service prometheus-exporter if { path /metrics }",
    "stats enable",
    "stats uri /stats",
    "stats refresh 10s",
  ]);
}

export function renderEdgePlan(plan: EdgePlan): string {
  const parts = [
    header(plan),
    globalSection(plan),
    defaultsSection(),
    ...plan.listeners.map(frontend),
    ...plan.backends.map(backend),
    statsSection(plan),
  ];
  return parts.filter((p): p is string => p !== undefined).join("\n\n") + "\n";
}

/** The whole edge configuration of one host, deterministic for a given placement. */
export function renderEdgeConfig(input: EdgeInput): string {
  return renderEdgePlan(planEdge(input));
}
