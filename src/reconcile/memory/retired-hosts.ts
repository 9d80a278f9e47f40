// Hosts removed from cluster.yaml. Such a host is not forgotten while
// anything of the cluster runs on it: it stays in the state a pass plans as a
// draining host (replacement first, out of placement, its edge kept current),
// and once it answers with no replica left, its edge, its lock record and the
// cluster network are removed and it is forgotten. A host that does not answer
// stays listed (status: removed) until it does; its stale containers are then
// fenced like any returning host's. The hosts ever applied are kept in the
// operator's work dir (HostBook), so a restart, or a commit that removed a
// host while the operator was down, still knows where the host is; an
// endpoint the operator's ceiling no longer allows is never contacted again.

import type { Logger } from "../../ports/logger.js";
import type { DesiredState, HostSpec } from "../../model/spec.js";
import { edgeContainerName, edgeNamesContainerName } from "../../model/names.js";
import type { EventSink } from "../../report/events.js";
import { errorMessage, type HostDriver } from "../../ports/host.js";
import type { HostBook } from "../../ports/host-book.js";

import type { FleetObservation } from "../../observe/observer.js";

export interface RetiredHostsOptions {
  readonly book?: HostBook;
  /** The operator's ceiling still allows this Docker endpoint. */
  readonly endpointAllowed?: (docker: string) => boolean;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly now: () => number;
}

export class RetiredHosts {
  /** Every host of an applied state not yet cleaned up, by name. */
  private known = new Map<string, HostSpec>();
  private loaded = false;
  private saved = "";
  private retiredNow = new Set<string>();

  constructor(private readonly o: RetiredHostsOptions) {}

  /** Hosts removed from cluster.yaml that still hold something of the cluster (for status). */
  get names(): ReadonlySet<string> {
    return this.retiredNow;
  }

  /** The state a pass plans: the desired one plus every retired host, draining. */
  async widen(desired: DesiredState): Promise<DesiredState> {
    await this.load();
    const wanted = new Set(desired.cluster.hosts.map((h) => h.name));
    const retired = [...this.known.values()].filter((h) => !wanted.has(h.name));
    for (const h of retired) {
      if (this.retiredNow.has(h.name)) continue;
      this.o.events({
        time: this.o.now(),
        kind: "host-removed",
        service: "",
        host: h.name,
        message: `host ${h.name} removed from cluster.yaml: its replicas move off (replacement first), then everything gitfleet put there is removed`,
      });
    }
    this.retiredNow = new Set(retired.map((h) => h.name));
    for (const h of desired.cluster.hosts) this.known.set(h.name, h);
    await this.save();
    if (retired.length === 0) return desired;
    const draining = retired.map((h) => ({ ...h, drain: true }));
    return { ...desired, cluster: { ...desired.cluster, hosts: [...desired.cluster.hosts, ...draining] } };
  }

  /**
   * After a pass: a retired host that answered and holds no replica (in any state) any more
   * loses its edge, lock record and cluster network, and is forgotten.
   */
  async cleanup(
    observation: FleetObservation,
    cluster: string,
    driver: (host: string) => HostDriver | undefined,
    forgetLock: (host: string) => Promise<void>,
  ): Promise<void> {
    for (const name of [...this.retiredNow]) {
      const d = driver(name);
      if (d === undefined || !observation.fresh.has(name)) continue;
      if (observation.cluster.replicas.some((r) => r.host === name)) continue;
      try {
        await d.remove(edgeContainerName(cluster));
        await d.remove(edgeNamesContainerName(cluster));
        await forgetLock(name);
        await d.removeNetwork?.();
      } catch (err) {
        this.o.logger.warn(
          { host: name, err: errorMessage(err) },
          "removed host not cleaned up yet; retrying",
        );
        continue;
      }
      this.known.delete(name);
      this.retiredNow.delete(name);
      await this.save();
      this.o.events({
        time: this.o.now(),
        kind: "host-cleaned",
        service: "",
        host: name,
        message: `host ${name} (removed from cluster.yaml) no longer runs anything of this cluster: edge and network removed, host forgotten`,
      });
    }
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      for (const h of (await this.o.book?.load()) ?? []) {
        if (this.o.endpointAllowed !== undefined && !this.o.endpointAllowed(h.docker)) {
          this.o.logger.warn({ host: h.name }, "remembered host's endpoint no longer allowed: not contacted");
          continue;
        }
        this.known.set(h.name, h);
      }
    } catch (err) {
      this.o.logger.warn(
        { err: errorMessage(err) },
        "remembered hosts not readable: removed hosts may be missed",
      );
    }
  }

  private async save(): Promise<void> {
    const hosts = [...this.known.values()].sort((a, b) => a.name.localeCompare(b.name));
    const text = JSON.stringify(hosts);
    if (text === this.saved || this.o.book === undefined) return;
    try {
      await this.o.book.save(hosts);
      this.saved = text;
    } catch (err) {
      this.o.logger.warn({ err: errorMessage(err) }, "remembered hosts not saved");
    }
  }
}
