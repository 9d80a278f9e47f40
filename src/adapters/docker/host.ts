// One Docker host as gitfleet sees it, and the only way to reach dockerode.
// Every call goes through the host's HostCaller (bounded concurrency,
// deadline, retries), so one frozen host never holds up the others.

import Docker from "./dockerode.js";
import type { ContainerInfo } from "dockerode";
import { pino, type Logger } from "pino";
import { LABELS, portKey } from "../../model/observed.js";
import type { ForeignPort, ObservedReplica } from "../../model/observed.js";
import type { SecretStore } from "../../ports/index.js";
import type { Resources } from "../../model/spec.js";
import type { LockIdentity, LockLease, LockRecord } from "../../model/lock.js";
import { HostCaller } from "./call.js";
import type { Limiter } from "./limiter.js";
import { connectionOptions, type ConnectionOptions, type Endpoint } from "./connection.js";
import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";
import { EngineApi } from "./engine-api.js";
import { EventWatcher, type EventCallback } from "./events.js";
import { ensureImage, imageExists, pull } from "./images.js";
import { removeContainer, startContainer, stopContainer } from "./lifecycle.js";
import { createLock, LEASE_DIR, leaseTar, leaseTarShared, readLock, removeLock } from "./lock-container.js";
import { LightRequests } from "./light.js";
import type { AnswerListener } from "./kept-connection.js";
import { beatThroughPromises, type BeatListener, type BeatRenewal } from "../../ports/host.js";
import { ensureNetwork, removeNetwork, type NetworkOptions } from "./network.js";
import {
  detailFromInspect,
  InspectCache,
  isReplica,
  listKey,
  toReplica,
  type InspectDetail,
} from "./observe.js";
import { ImagePortsCache } from "./image-ports.js";
import type { PullProgress } from "./pull.js";
import { createReplica, type CreateResult, type ReplicaSpec } from "./replica.js";
import type { ObservedVolume } from "../../model/volumes.js";
import {
  markSuperseded,
  prepareCopyTarget,
  VolumeHelper,
  type CopyTarget,
  type HelperOptions,
} from "./volume-helper.js";
import { listVolumes, volumeSizes } from "./volumes.js";

/** States `docker ps` (without --all) leaves out: their ports are not held. */
const NOT_UP: ReadonlySet<string> = new Set(["created", "exited", "dead"]);

/** How long capacity and the image list are taken as read (a pull reads them again sooner). */
export const INFO_TTL_MS = 30_000;

export interface DockerHostOptions extends Endpoint {
  /** The cluster name: our containers carry gitfleet.cluster=<cluster>. */
  readonly cluster: string;
  readonly secrets?: SecretStore;
  /** Calls in flight at once against this host (default 4: 2x the cores measured here). */
  readonly concurrency?: number;
  /** Calls in flight at once across the operator's hosts (one limiter shared by all; default: no bound). */
  readonly fleetCalls?: Limiter;
  /** Deadline of one call attempt, queue wait included (default 30 s). */
  readonly callTimeoutMs?: number;
  /** Deadline of a heartbeat (default 2 s, never retried). */
  readonly pingTimeoutMs?: number;
  /** Deadline of an image pull (default 10 min). */
  readonly pullTimeoutMs?: number;
  /** Extra attempts after a transient error (default 2). */
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly logger?: Logger;
}

export interface HostInfo {
  readonly capacity: Resources;
  /** Image references present, e.g. "registry:5000/web:1" (tags, then digests). */
  readonly images: readonly string[];
  readonly serverVersion: string;
  readonly engineName: string;
}

/** A managed container of any role (replica, edge), for pruning and the edge. */
export interface ManagedContainer {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

export class DockerHost {
  readonly name: string;
  readonly cluster: string;
  private readonly inspectCache = new InspectCache();
  /** Inspects in flight, by container id and listed state (see inspect). */
  private readonly inspecting = new Map<string, Promise<InspectDetail | undefined>>();
  /** What each image id our replicas run exposes (images are immutable: read once). */
  private readonly imagePorts: ImagePortsCache;
  private readonly watchers = new Set<EventWatcher>();
  private lastPingFailed = false;
  private infoCache: { readonly at: number; readonly info: Promise<HostInfo> } | undefined;
  private listingAll: Promise<ContainerInfo[]> | undefined;

  private constructor(
    private readonly ctx: HostContext,
    private readonly pingTimeoutMs: number,
    /** The ping and the lease renewal, without dockerode (see light.ts). */
    private readonly light: LightRequests,
    /**
     * How to reach the daemon, for another client of it (the edge's): the same address, TLS
     * material and, over SSH, the same agent (one SSH connection per host, its channels shared;
     * closed with the host).
     */
    readonly connection: ConnectionOptions,
  ) {
    this.name = ctx.host;
    this.cluster = ctx.cluster;
    this.imagePorts = new ImagePortsCache(ctx);
  }

  /** Builds the clients (reading TLS material from the secret store); does not contact the host. */
  static async create(opts: DockerHostOptions): Promise<DockerHost> {
    const conn = await connectionOptions(opts, opts.secrets);
    // Without one (tests), a silent logger: the process passes its own.
    const logger = (opts.logger ?? pino({ level: "silent" })).child({ host: opts.name });
    const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    const api = new EngineApi(opts.name, conn, callTimeoutMs);
    const policy = { timeoutMs: callTimeoutMs, retries: opts.retries ?? 2, backoffMs: opts.backoffMs ?? 200 };
    const ctx: HostContext = {
      host: opts.name,
      cluster: opts.cluster,
      docker: new Docker({ ...conn, timeout: callTimeoutMs }),
      api,
      streaming: new Docker(conn),
      calls: new HostCaller(opts.name, opts.concurrency ?? 4, policy, logger, opts.fleetCalls),
      logger,
      secrets: opts.secrets,
      callTimeoutMs,
      pullTimeoutMs: opts.pullTimeoutMs ?? 600_000,
    };
    return new DockerHost(
      ctx,
      opts.pingTimeoutMs ?? 2_000,
      new LightRequests(opts.name, conn, api.agent),
      conn,
    );
  }

  /** Heartbeat: resolves when the engine answers within the ping deadline. */
  ping(): Promise<void> {
    return this.light.ping(this.pingTimeoutMs).then(this.pingAnswered, this.pingFailed);
  }

  /** ping()'s handlers, made once (no async frame or closure per beat). */
  private readonly pingAnswered = (): void => this.answered();
  private readonly pingFailed = (err: unknown): never => {
    this.lastPingFailed = true;
    throw err;
  };

  /**
   * The heartbeat's beat when the cluster lock's renewal is due: the lease written in one request
   * under the ping's deadline, which proves the engine answers as a ping does. True: written.
   * False: the engine answered with an error (the record is gone, say; a ping then says whether
   * it is healthy, as the heartbeat would have asked). Rejects as ping() does: no answer in time.
   */
  pingRenewing(id: string, lease: LockLease): Promise<boolean> {
    return this.light
      .putArchive("write-lease", id, LEASE_DIR, leaseTar(lease), this.pingTimeoutMs)
      .then(this.renewAnswered, this.renewFailed);
  }

  /** pingRenewing()'s handlers, made once. */
  private readonly renewAnswered = (): boolean => {
    this.answered();
    return true;
  };
  private readonly renewFailed = (err: unknown): Promise<boolean> => {
    // A status code: the engine answered, it did not write the lease.
    if (err instanceof DockerError && err.statusCode !== undefined) return this.ping().then(() => false);
    this.lastPingFailed = true;
    throw err;
  };

  /**
   * The heartbeat's beat (HostDriver.beat): pingRenewing() when `renewal` is given, else ping(),
   * told to `listener` through handlers made once. One beat out at a time takes that way; another
   * meanwhile (the heartbeat never sends two) goes through the promises.
   */
  beat(renewal: BeatRenewal | undefined, listener: BeatListener): void {
    if (this.beatOut !== undefined) {
      beatThroughPromises(this, renewal, listener);
      return;
    }
    this.beatOut = listener;
    this.beatRenews = renewal !== undefined;
    if (renewal === undefined) this.light.pingTo(this.pingTimeoutMs, this.beatAnswer);
    else {
      // Shared, valid until the next renewal: putArchiveTo copies it before this returns.
      const tar = leaseTarShared(renewal.lease);
      this.light.putArchiveTo("write-lease", renewal.id, LEASE_DIR, tar, this.pingTimeoutMs, this.beatAnswer);
    }
  }

  /** The beat out (beat()), and whether it carries a renewal. */
  private beatOut: BeatListener | undefined;
  private beatRenews = false;
  /** beat()'s answer, handled as ping()'s and pingRenewing()'s are. */
  private readonly beatAnswer: AnswerListener = {
    answered: () => {
      const listener = this.takeBeat();
      this.answered();
      listener?.answered(this.beatRenews);
    },
    failed: (err) => {
      const listener = this.takeBeat();
      // A renewal the engine answered with an error: not written; a ping says whether it is healthy.
      if (this.beatRenews && err.statusCode !== undefined) {
        this.ping().then(() => listener?.answered(false), listener?.failed.bind(listener));
        return;
      }
      this.lastPingFailed = true;
      listener?.failed(err);
    },
  };

  private takeBeat(): BeatListener | undefined {
    const l = this.beatOut;
    this.beatOut = undefined;
    return l;
  }

  /** Back after a silence: an event stream may have died without telling us. */
  private answered(): void {
    if (this.lastPingFailed) for (const w of this.watchers) w.kick();
    this.lastPingFailed = false;
  }

  /**
   * Capacity and images, re-read at most every INFO_TTL_MS (and after a pull): they change
   * rarely, and two calls per host per pass add up at 1,000 hosts. A replica's own image is
   * pulled by its create step whatever this says.
   */
  info(): Promise<HostInfo> {
    const cached = this.infoCache;
    if (cached !== undefined && Date.now() - cached.at < INFO_TTL_MS) return cached.info;
    const info = this.readInfo();
    const entry = { at: Date.now(), info };
    this.infoCache = entry;
    info.catch(() => {
      if (this.infoCache === entry) this.infoCache = undefined;
    });
    return info;
  }

  private async readInfo(): Promise<HostInfo> {
    const { api, calls } = this.ctx;
    const [info, images] = await Promise.all([
      calls.run("info", (signal) => api.info({ signal }), { lane: "read" }),
      calls.run("list-images", (signal) => api.listImages({ signal }), { lane: "read" }),
    ]);
    const refs = new Set<string>();
    for (const img of images) {
      for (const t of img.RepoTags ?? []) if (t !== "<none>:<none>") refs.add(t);
      for (const d of img.RepoDigests ?? []) if (!d.startsWith("<none>")) refs.add(d);
    }
    const num = (k: string): number => (typeof info[k] === "number" ? info[k] : 0);
    const str = (k: string): string => (typeof info[k] === "string" ? info[k] : "");
    return {
      capacity: { nanoCpus: num("NCPU") * 1e9, memoryBytes: num("MemTotal") },
      images: [...refs].sort(),
      serverVersion: str("ServerVersion"),
      engineName: str("Name"),
    };
  }

  /**
   * Ports published on `address` (or on every address) by running containers that are not
   * this cluster's: they cannot be bound by our replicas or edge there.
   */
  async foreignPorts(address: string): Promise<ForeignPort[]> {
    const all = await this.allContainers();
    const out = new Map<string, ForeignPort>();
    for (const c of all) {
      if (c.Labels?.[LABELS.cluster] === this.cluster || NOT_UP.has(c.State)) continue;
      const owner = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, "");
      for (const p of c.Ports) {
        const ip = p.IP ?? "";
        if (p.PublicPort === undefined || p.PublicPort === 0) continue;
        if (ip !== "" && ip !== "0.0.0.0" && ip !== "::" && ip !== address) continue;
        const protocol = p.Type === "udp" ? "udp" : "tcp";
        out.set(portKey({ port: p.PublicPort, protocol }), { port: p.PublicPort, protocol, owner });
      }
    }
    return [...out.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
  }

  /** Every container with our cluster label, whatever its role. */
  async listManaged(): Promise<ManagedContainer[]> {
    return (await this.list()).map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      state: c.State,
      labels: c.Labels,
    }));
  }

  /** Our replicas on this host, rebuilt from labels (inspecting only what changed since last time). */
  async observe(): Promise<ObservedReplica[]> {
    const list = (await this.allContainers()).filter(
      (c) => c.Labels?.[LABELS.cluster] === this.cluster && isReplica(c.Labels),
    );
    this.inspectCache.retain(new Set(list.map((c) => c.Id)));
    this.imagePorts.retain(new Set(list.map((c) => c.ImageID)));
    const replicas = await Promise.all(list.map((c) => this.observeOne(c)));
    return replicas.filter((r): r is ObservedReplica => r !== undefined);
  }

  /**
   * Subscribe to our containers' events. The callback gets "connected" after
   * every (re)connect (resync then: events in between are lost) and must not
   * block. Returns the unsubscribe function.
   */
  watchEvents(onEvent: EventCallback): () => void {
    const filters = JSON.stringify({ type: ["container"], label: [`${LABELS.cluster}=${this.cluster}`] });
    const watcher = new EventWatcher({
      host: this.name,
      logger: this.ctx.logger,
      onEvent,
      // Only the connect is bounded; the open stream lives as long as it must.
      open: () =>
        this.ctx.calls.run("events", () => this.ctx.streaming.getEvents({ filters }), {
          retries: 0,
          lane: "read",
        }),
    });
    this.watchers.add(watcher);
    watcher.start();
    return () => {
      watcher.stop();
      this.watchers.delete(watcher);
    };
  }

  imageExists(image: string): Promise<boolean> {
    return imageExists(this.ctx, image);
  }

  pull(image: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    this.infoCache = undefined;
    return pull(this.ctx, image, onProgress);
  }

  /** Pull only when the host does not have the image already. */
  async ensureImage(image: string, onProgress?: (p: PullProgress) => void): Promise<"present" | "pulled"> {
    const r = await ensureImage(this.ctx, image, onProgress);
    if (r === "pulled") this.infoCache = undefined;
    return r;
  }

  /** The cluster network, or with `network` a stack network. */
  ensureNetwork(opts: NetworkOptions = {}, network?: string): Promise<"unchanged" | "created"> {
    return ensureNetwork(this.ctx, opts, network);
  }

  /** Create (not start) one replica; an existing container of that name and cluster is adopted. */
  createReplica(spec: ReplicaSpec): Promise<CreateResult> {
    return createReplica(this.ctx, spec);
  }

  start(id: string): Promise<"started" | "already-running"> {
    return startContainer(this.ctx, id);
  }

  /** Stop with the grace period (default 10 s), then SIGKILL. Already stopped or gone counts as done. */
  stop(id: string, graceMs = 10_000): Promise<"stopped" | "already-stopped" | "gone"> {
    return stopContainer(this.ctx, id, graceMs);
  }

  /** Force-remove; gone already counts as done. */
  remove(id: string): Promise<"removed" | "gone"> {
    return removeContainer(this.ctx, id);
  }

  /** Our named volumes, with the slot owning each and superseded marks. */
  listVolumes(): Promise<ObservedVolume[]> {
    return listVolumes(this.ctx);
  }

  /** Bytes per volume name (`docker system df`: costly, call rarely). */
  volumeSizes(): Promise<Map<string, number>> {
    return volumeSizes(this.ctx);
  }

  openVolumeHelper(o: HelperOptions): Promise<VolumeHelper> {
    return VolumeHelper.open(this.ctx, o);
  }

  prepareCopyTarget(t: CopyTarget): Promise<"created" | "reused"> {
    return prepareCopyTarget(this.ctx, t);
  }

  markSuperseded(o: { volume: string; by: string; image: string }): Promise<void> {
    return markSuperseded(this.ctx, o);
  }

  /** Remove the cluster network (after the host left the cluster and its containers are gone). */
  removeNetwork(): Promise<"removed" | "gone"> {
    return removeNetwork(this.ctx);
  }

  /** The cluster lock's record on this host (undefined: nobody holds it here). */
  readLock(): Promise<LockRecord | undefined> {
    return readLock(this.ctx);
  }

  /** Take the lock on this host; "exists" when someone holds it already. */
  createLock(image: string, holder: LockIdentity, lease: LockLease): Promise<{ id: string } | "exists"> {
    return createLock(this.ctx, image, holder, lease);
  }

  /** One call, never queued behind the host's writes nor retried: the lock reads the record when it fails. */
  renewLock(id: string, lease: LockLease): Promise<void> {
    return this.light
      .putArchive("write-lease", id, LEASE_DIR, leaseTar(lease), this.ctx.callTimeoutMs)
      .then(() => undefined);
  }

  /** Remove exactly this lock record (by id). */
  removeLock(id: string): Promise<void> {
    return removeLock(this.ctx, id);
  }

  /** Stop every event subscription (and close the SSH connection, if any). */
  close(): void {
    for (const w of this.watchers) w.stop();
    this.watchers.clear();
    this.light.close();
    this.connection.agent?.destroy();
  }

  /**
   * Every container of the host, ours and others'. A pass reads our replicas and the ports other
   * containers hold at the same moment: callers while a listing is in flight share it, so that
   * is one call, not two (a listing that ended is never reused).
   */
  private allContainers(): Promise<ContainerInfo[]> {
    if (this.listingAll !== undefined) return this.listingAll;
    const listing = this.ctx.calls.run(
      "list-containers",
      (signal) => this.ctx.api.listContainers({ all: true }, { signal }),
      { lane: "read" },
    );
    this.listingAll = listing;
    const done = (): void => {
      if (this.listingAll === listing) this.listingAll = undefined;
    };
    listing.then(done, done);
    return listing;
  }

  private list(): Promise<ContainerInfo[]> {
    return this.ctx.calls.run(
      "list",
      (signal) =>
        this.ctx.api.listContainers(
          { all: true, filters: { label: [`${LABELS.cluster}=${this.cluster}`] } },
          { signal },
        ),
      { lane: "read" },
    );
  }

  private async observeOne(c: ContainerInfo): Promise<ObservedReplica | undefined> {
    const detail = this.inspectCache.get(c) ?? (await this.inspect(c));
    if (detail === undefined) return undefined; // removed meanwhile
    // Its image's EXPOSE, for the names edges (an image removed meanwhile: not known).
    const imagePorts = c.ImageID ? await this.imagePorts.of(c.ImageID) : undefined;
    return toReplica(this.name, c, detail, imagePorts);
  }

  /**
   * One inspect per container and listed state, however many looks ask for it at once: during a
   * deploy the wait-healthy gates' looks overlap (a listing outlives the 200 ms they share one),
   * and each inspected every container that had just changed state again.
   */
  private inspect(c: ContainerInfo): Promise<InspectDetail | undefined> {
    const key = `${c.Id} ${listKey(c)}`;
    const known = this.inspecting.get(key);
    if (known !== undefined) return known;
    const reading = this.ctx.calls
      .run("inspect", (signal) => this.ctx.api.inspectContainer(c.Id, { signal }), { lane: "read" })
      .then(
        (i) => {
          const detail = detailFromInspect(i);
          this.inspectCache.set(c, detail);
          return detail;
        },
        (err: unknown) => {
          if (err instanceof DockerError && err.code === "not-found") return undefined;
          throw err;
        },
      );
    this.inspecting.set(key, reading);
    const done = (): void => void this.inspecting.delete(key);
    reading.then(done, done);
    return reading;
  }
}
