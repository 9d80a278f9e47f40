// A stack's service answers by name on the ports its image EXPOSEs, as on a Compose network,
// where a database's port is reached without being listed (postgres 5432, redis 6379). The
// image's ports are known only once a host has the image, so they come in as observed data
// (each replica's image, inspected on its host) beside the desired services: this module turns
// them into ports of the services the names edges serve. Pure: the same input, the same plan.
//
// - Only TCP ports (the edge balances TCP); at most MAX_IMAGE_PORTS per service, the lowest.
// - A port the service lists itself (ports:, expose:) is served as listed.
// - A port another service on the same edge lists is left to that one: an image's port never
//   takes a listener from a service that asked for it.
// - Until some replica's image has been read (the first pass creates it), the service has only
//   its listed ports; the next pass's plan adds the image's, and the edge reloads.

import type { ObservedReplica } from "../model/observed.js";
import type { PortSpec, ServiceSpec } from "../model/spec.js";
import { imageTcpPorts } from "../model/image-ports.js";

/** Per service, the TCP ports its observed replicas' images expose (their union, ascending, capped). */
export function observedImagePorts(replicas: readonly ObservedReplica[]): Map<string, number[]> {
  const keys = new Map<string, Set<string>>();
  for (const r of replicas) {
    if (r.imagePorts === undefined) continue;
    const set = keys.get(r.service) ?? new Set<string>();
    for (const k of r.imagePorts) set.add(k);
    keys.set(r.service, set);
  }
  return new Map([...keys].map(([service, set]) => [service, imageTcpPorts([...set])]));
}

/** Whether the names edge serves this service's image ports: a stack's service on a bridge. */
export function servesImagePorts(s: ServiceSpec): boolean {
  return s.stack !== undefined && s.networkMode !== "host";
}

/**
 * The services as the names edge serves them: each stack service also on its image's TCP ports
 * that neither it nor another of `services` lists. Services without such ports are returned as
 * they are (the same objects).
 */
export function withImagePorts(
  services: readonly ServiceSpec[],
  imagePorts: ReadonlyMap<string, readonly number[]> | undefined,
): readonly ServiceSpec[] {
  if (imagePorts === undefined || imagePorts.size === 0) return services;
  const listed = new Set<number>();
  for (const s of services) for (const p of s.ports) if (p.protocol === "tcp") listed.add(p.target);
  return services.map((s) => {
    const ports = imagePorts.get(s.name);
    if (ports === undefined || !servesImagePorts(s)) return s;
    const extra: PortSpec[] = ports
      .filter((port) => !listed.has(port))
      .map((target) => ({ target, protocol: "tcp", mode: "ingress" }));
    return extra.length === 0 ? s : { ...s, ports: [...s.ports, ...extra] };
  });
}

/**
 * Stack services another service depends on (so most likely connects to) that nothing answers
 * for by name: no TCP port listed, and every replica whose image was read exposes none (a client
 * nobody depends on needs no port). Per service, the message status shows (as port conflicts).
 */
export function unreachableByName(
  services: readonly ServiceSpec[],
  imagePorts: ReadonlyMap<string, readonly number[]>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dependedOn = new Set(services.flatMap((s) => s.dependsOn));
  for (const s of services) {
    if (!dependedOn.has(s.name) || !servesImagePorts(s) || s.ports.some((p) => p.protocol === "tcp"))
      continue;
    const ports = imagePorts.get(s.name);
    if (ports === undefined || ports.length > 0) continue;
    const name = s.stack?.service ?? s.name;
    out.set(s.name, [
      `unreachable-by-name: "${name}" lists no port under ports: or expose: and its image EXPOSEs no TCP port, so nothing answers at ${name}:<port>: list the port it listens on under its expose:`,
    ]);
  }
  return out;
}
