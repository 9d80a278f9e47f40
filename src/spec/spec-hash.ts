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

/**
 * JSON with object keys sorted at every level, so equal values give equal text. Built by
 * concatenation (it runs for every service of every first load, on code not yet compiled:
 * the arrays of entries made per object cost more than the text).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // As join: an element with no JSON text (undefined, a function) is left empty.
      const item = canonicalJson(value[i]) as string | undefined;
      if (item !== undefined) out += item;
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    let out = "{";
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      if (out.length > 1) out += ",";
      out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}
