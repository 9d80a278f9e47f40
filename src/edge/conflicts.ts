// Ingress ports that a host cannot serve because something else holds them
// there: a container gitfleet does not manage publishes the same port on the
// host's address (seen through the Docker API). The edge leaves that one
// listener out on that host, so all its other listeners keep serving (HAProxy
// refuses a whole configuration when one `bind` fails), and status and
// `gitfleet plan` name the conflict.

import type { ForeignPort } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { byString } from "./names.js";

export interface PortConflict {
  readonly service: string;
  readonly host: string;
  readonly port: number;
  /** The container holding the port. */
  readonly owner: string;
  readonly message: string;
}

/** Every ingress port of `services` held on `host` by a container that is not ours, by service and port. */
export function ingressConflicts(
  services: readonly ServiceSpec[],
  host: string,
  foreign: readonly ForeignPort[] | undefined,
): PortConflict[] {
  if (foreign === undefined || foreign.length === 0) return [];
  const held = new Map(foreign.filter((p) => p.protocol === "tcp").map((p) => [p.port, p]));
  const out: PortConflict[] = [];
  for (const s of [...services].sort((a, b) => byString(a.name, b.name))) {
    const seen = new Set<number>();
    for (const p of s.ports) {
      if (p.mode !== "ingress" || p.protocol !== "tcp" || p.published === undefined) continue;
      const holder = held.get(p.published);
      if (holder === undefined || seen.has(p.published)) continue;
      seen.add(p.published);
      out.push({
        service: s.name,
        host,
        port: p.published,
        owner: holder.owner,
        message:
          `ingress port ${p.published}/tcp is not served on ${host}: ` +
          (holder.outsideDocker === true
            ? "the edge cannot bind it (held outside Docker or by a host-networked container)"
            : `container ${holder.owner} (not managed by gitfleet) holds it`),
      });
    }
  }
  return out;
}
