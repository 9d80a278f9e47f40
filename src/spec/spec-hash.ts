// The spec hash: a fingerprint of everything that shapes a container. When it
// changes, replicas are replaced; when only replicas, placement or the
// update/rollback settings change, running containers are left alone.

import { createHash } from "node:crypto";
import type { ServiceSpec } from "../model/spec.js";

type HashInput = Omit<ServiceSpec, "specHash">;

export function specHash(s: HashInput): string {
  const shaping = {
    image: s.image,
    command: s.command ?? null,
    entrypoint: s.entrypoint ?? null,
    environment: s.environment,
    // Secret names only: values never reach the pure core.
    envSecrets: s.envSecrets,
    // What Docker sees of a port: ingress publishing and edge settings live in the edge, not the container.
    ports: s.ports.map((p) => ({
      target: p.target,
      protocol: p.protocol,
      mode: p.mode,
      published: p.mode === "host" ? (p.published ?? null) : null,
    })),
    healthcheck: s.healthcheck ?? null,
    volumes: s.volumes,
    labels: s.labels,
    stopGracePeriodMs: s.stopGracePeriodMs,
    user: s.user ?? null,
    readOnly: s.readOnly,
    capAdd: s.capAdd,
    capDrop: s.capDrop,
    privileged: s.privileged,
    networkMode: s.networkMode ?? null,
    limits: s.deploy.limits,
    restartPolicy: s.deploy.restartPolicy,
    // Absent unless the service sets one of Compose's further keys: older specs keep their hash.
    container: s.container,
    // Only when set, so services outside stacks keep their hashes. Aliases live on the edge.
    networks: s.networks?.map((n) => n.name),
    files: s.files,
    // A stack's secret files: store names and paths only (the values are digested apart, keyed).
    secretFiles: s.secretFiles,
  };
  return createHash("sha256").update(canonicalJson(shaping)).digest("hex");
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
