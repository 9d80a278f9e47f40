// Volumes gitfleet caused to exist but has not seen yet. Docker makes a
// replica's named volume when it creates the container, so between that create
// and the next listing of the host the volume exists on the host without
// gitfleet knowing it. Should the host stop answering in that window, the slot
// would look unbound and could start elsewhere on empty storage: the very thing
// volume affinity forbids. So a create is remembered as the volume it makes
// (with the labels Docker will put on it), from before the call is sent (it may
// reach the daemon even when the answer never comes) until a listing of that
// host that began after the call settled has shown the truth. After an operator
// restart nothing is remembered, but then a host whose volumes were never read
// keeps unbound slots waiting for it (volumesUnknown), which covers the same gap.

import type { ServiceSpec } from "../model/spec.js";
import { volumeName, type ObservedVolume } from "../model/volumes.js";

interface Entry {
  readonly volume: ObservedVolume;
  /** Sequence number at which the create call settled; undefined while in flight. */
  settled: number | undefined;
}

export class CreatedVolumes {
  private readonly byHost = new Map<string, Entry[]>();
  private seq = 0;

  /**
   * A replica of service is about to be created on host: remember the named
   * volumes the create makes there. Returns the function to call when the
   * create call has settled (either way).
   */
  creating(o: {
    readonly cluster: string;
    readonly host: string;
    readonly service: ServiceSpec;
    readonly slot: string;
    readonly at: number;
  }): () => void {
    const sources = new Set<string>();
    for (const v of o.service.volumes)
      if (v.type === "volume" && v.source !== undefined) sources.add(v.source);
    if (sources.size === 0) return () => undefined;
    const entries = [...sources].map((source): Entry => ({
      volume: {
        host: o.host,
        name: volumeName(o.cluster, source),
        source,
        driver: "local",
        service: o.service.name,
        slot: o.slot,
        createdAt: o.at,
      },
      settled: undefined,
    }));
    const list = this.byHost.get(o.host) ?? [];
    list.push(...entries);
    this.byHost.set(o.host, list);
    return () => {
      const at = ++this.seq;
      for (const e of entries) e.settled ??= at;
    };
  }

  /** Taken before a host is listed: the mark that listing's result is compared with. */
  mark(): number {
    return this.seq;
  }

  /**
   * A listing of host that began at mark has been read: what it shows is the
   * truth for every create that had settled before it began. Later or
   * unfinished creates stay remembered.
   */
  seen(host: string, mark: number): void {
    const list = this.byHost.get(host);
    if (list === undefined) return;
    const left = list.filter((e) => e.settled === undefined || e.settled > mark);
    if (left.length === 0) this.byHost.delete(host);
    else this.byHost.set(host, left);
  }

  /** The host's listed volumes, plus the remembered ones the listing does not show yet. */
  merge(host: string, listed: readonly ObservedVolume[]): readonly ObservedVolume[] {
    const list = this.byHost.get(host);
    if (list === undefined || list.length === 0) return listed;
    const names = new Set(listed.map((v) => v.name));
    const extra: ObservedVolume[] = [];
    for (const e of list) {
      if (names.has(e.volume.name)) continue;
      names.add(e.volume.name);
      extra.push(e.volume);
    }
    return extra.length === 0 ? listed : [...listed, ...extra];
  }

  /** Forget hosts no longer in the cluster. */
  retain(hosts: ReadonlySet<string>): void {
    for (const h of [...this.byHost.keys()]) if (!hosts.has(h)) this.byHost.delete(h);
  }
}
