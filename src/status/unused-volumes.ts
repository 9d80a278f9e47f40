// Named volumes no replica uses any more: after a removal, a scale-down, a
// replica that moved without its (recreatable) data, or a data move (the
// superseded source). gitfleet never deletes them; status lists each with its
// host and size, so an operator can clean up knowingly.

import type { ObservedReplica } from "../model/observed.js";
import type { DesiredState } from "../model/spec.js";
import type { ObservedVolume } from "../model/volumes.js";
import type { Placement } from "../schedule/types.js";
import type { UnusedVolume } from "./types.js";

export function unusedVolumes(
  desired: DesiredState,
  placement: Placement | undefined,
  volumes: readonly ObservedVolume[],
  /** Replicas on hosts read in this pass. */
  fresh: readonly ObservedReplica[],
): UnusedVolume[] {
  // source → hosts where some desired service that mounts it is placed, bound or running.
  const users = new Map<string, Set<string>>();
  const add = (source: string, host: string): void => {
    const set = users.get(source) ?? new Set<string>();
    set.add(host);
    users.set(source, set);
  };
  for (const spec of desired.services) {
    const sources = spec.volumes.flatMap((v) => (v.type === "volume" && v.source ? [v.source] : []));
    if (sources.length === 0) continue;
    const sp = placement?.services.get(spec.name);
    const hosts = new Set<string>([...(sp?.slots.values() ?? []), ...(sp?.bound?.values() ?? [])]);
    for (const r of fresh) if (r.service === spec.name && r.state !== "removing") hosts.add(r.host);
    for (const s of sources) for (const h of hosts) add(s, h);
  }
  const superseded = new Set(
    volumes.filter((v) => v.supersededBy !== undefined).map((v) => `${v.host}\0${v.name}\0${v.supersededBy}`),
  );
  const out: UnusedVolume[] = [];
  for (const v of volumes) {
    const copyDone = v.copyOf === undefined || superseded.has(`${v.copyOf}\0${v.name}\0${v.host}`);
    let why: string;
    if (v.supersededBy !== undefined) why = `data moved to ${v.supersededBy}`;
    else if (!copyDone) why = `unfinished copy from ${v.copyOf ?? "?"}`;
    else if (users.get(v.source)?.has(v.host) === true) continue;
    else why = "no replica uses it";
    out.push({
      host: v.host,
      volume: v.name,
      ...(v.service !== undefined && v.slot !== undefined ? { owner: `${v.service}/${v.slot}` } : {}),
      ...(v.sizeBytes !== undefined ? { sizeBytes: v.sizeBytes } : {}),
      why,
    });
  }
  return out.sort((a, b) =>
    a.host + a.volume < b.host + b.volume ? -1 : a.host + a.volume > b.host + b.volume ? 1 : 0,
  );
}
