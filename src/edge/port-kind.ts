// Is a service port HTTP, and how does HAProxy probe it?
//
// HTTP matters for two reasons: the edge can route several services that share
// a target port by the Host header, and it can add X-Forwarded-For. Guessing
// wrong is costly (HTTP mode on a database port breaks it), so a port is HTTP
// only when the user says so (`app_protocol: http`) or when the service's own
// healthcheck probes http:// on that very port; everything else is TCP.
//
// HAProxy's checks run beside Docker's: Docker's verdict decides which replicas
// are backends at each pass, HAProxy's takes a replica that stops answering
// out of rotation between passes. Its interval is Docker's, capped (Docker's
// default is 30 s), its timeout at most 1 s, and it falls after at most 2
// misses: a replica on a host cut off the network leaves rotation within
// about 2 s, before the operator has even declared the host down.

import type { HealthcheckSpec, PortSpec } from "../model/spec.js";
import type { AppMode, EdgeCheck } from "./types.js";

export interface HttpProbe {
  readonly port: number;
  readonly path: string;
}

// http://host[:port][/path]; https is TLS, which the edge passes through as TCP.
const HTTP_URL = /\bhttp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[^\s"'`|;<>()\\]*)?/;
// What may appear in an HAProxy `uri` argument without quoting ('$' expands, '#' comments).
const SAFE_PATH = /^\/[A-Za-z0-9\-._~%!*+,=:@?&/]*$/;

/** The HTTP URL a Docker healthcheck probes, if any. */
export function httpProbe(healthcheck: HealthcheckSpec | undefined): HttpProbe | undefined {
  if (healthcheck === undefined || healthcheck.test[0] === "NONE") return undefined;
  const m = HTTP_URL.exec(healthcheck.test.slice(1).join(" "));
  if (m === null) return undefined;
  const path = (m[3] ?? "/").replace(/#.*$/, "") || "/";
  return { port: m[2] === undefined ? 80 : Number(m[2]), path: SAFE_PATH.test(path) ? path : "/" };
}

export function appMode(port: PortSpec, healthcheck: HealthcheckSpec | undefined): AppMode {
  if (port.appProtocol !== undefined) return port.appProtocol;
  return httpProbe(healthcheck)?.port === port.target ? "http" : "tcp";
}

const MIN_INTERVAL_MS = 100;
/** A backend on the hosts' LAN that has not answered a check in this long is not coming. */
const MAX_CHECK_TIMEOUT_MS = 1000;

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

export function edgeCheck(
  port: PortSpec,
  healthcheck: HealthcheckSpec | undefined,
  maxIntervalMs: number,
): EdgeCheck {
  const active = healthcheck !== undefined && healthcheck.test[0] !== "NONE";
  const interMs = active ? clamp(healthcheck.intervalMs, MIN_INTERVAL_MS, maxIntervalMs) : maxIntervalMs;
  const timing = {
    interMs,
    timeoutMs: Math.min(
      active ? clamp(healthcheck.timeoutMs, MIN_INTERVAL_MS, interMs) : interMs,
      MAX_CHECK_TIMEOUT_MS,
    ),
    fall: active ? clamp(healthcheck.retries, 1, 2) : 2,
    rise: 2,
  };
  const probe = httpProbe(healthcheck);
  if (probe !== undefined && probe.port === port.target) return { kind: "http", path: probe.path, ...timing };
  return { kind: "tcp", ...timing };
}
