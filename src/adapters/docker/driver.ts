// The HostDriver port on the real Docker adapter. Adds what the adapter leaves
// to its caller: the cluster network before the first create, env_secrets
// resolved from the secret store (values go to Docker only), the host's
// address and the cluster policy, and a shared, short-lived list of the host's
// replicas so that many wait-healthy gates cost one Docker list between them.

import Docker from "./dockerode.js";
import type { Logger } from "pino";
import { DockerError } from "./errors.js";
import type { Limiter } from "./limiter.js";
import { DockerHost, resolveSecretEnv, resolveSecretFiles, type HostEvent } from "./index.js";
import { secretsMayGoTo, type Ceiling } from "../../model/ceiling.js";
import type { LockLease } from "../../model/lock.js";
import type { ObservedReplica } from "../../model/observed.js";
import type { SecretStore } from "../../ports/index.js";
import type { ClusterSpec, HostSpec } from "../../model/spec.js";
import { DockerEdgeHost } from "../edge/edge-host.js";
import type { EdgeHost } from "../../ports/edge.js";
import { beatThroughPromises, errorMessage, type BeatListener, type BeatRenewal } from "../../ports/host.js";
import type { VolumePort } from "../../ports/volumes.js";
import type {
  ContainerStatus,
  CreateRequest,
  Created,
  DriverEvent,
  HostDriver,
  HostFacts,
  HostLock,
} from "../../ports/host.js";

const NETWORK_CHECK_MS = 30_000;
/**
 * The slow periodic resync: a quiet host's reads are taken again at least this often. As an
 * informer trusts its watch and relists on a watch error: the event stream tells every change of
 * our containers, a reconnect or a failed ping re-reads at once, and this only bounds how late a
 * change no container event tells (a volume, a foreign container's port) is seen. It was 30 s:
 * at 300 hosts every Git poll's pass (once a minute) then listed every host again through
 * dockerode, most of an idle operator's CPU after its heartbeat.
 */
export const QUIET_RESYNC_MS = 5 * 60_000;

/**
 * What a pass reads of a host (its replicas, foreign ports, volumes, capacity and images), kept while the
 * host is quiet: its event stream is up and has said nothing, its last ping answered,
 * and gitfleet changed nothing there since the read began. Any container event, a
 * reconnect, a failed ping or a change of ours starts the next read afresh, and so does
 * age (QUIET_RESYNC_MS). At 1,000 hosts a no-change pass then reads only what moved,
 * not 2,000 listings. What Docker does not tell through container events (a volume or
 * a foreign container changed by hand) is seen at the next resync.
 */
export class QuietReads {
  /** Bumped by every event and every change: a read taken at an older value is stale. */
  private seq = 0;
  private streamUp = false;
  private pingOk = false;
  private readonly entries = new Map<string, { seq: number; until: number; value: Promise<unknown> }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Spreads the resyncs: each read is kept for between half and all of QUIET_RESYNC_MS. */
    private readonly random: () => number = Math.random,
  ) {}

  changed(): void {
    this.seq++;
  }

  event(kind: "connected" | "disconnected" | "container"): void {
    this.seq++;
    if (kind === "connected") this.streamUp = true;
    if (kind === "disconnected") this.streamUp = false;
  }

  /** The stream is gone (unsubscribed): nothing tells of changes any more. */
  unwatched(): void {
    this.seq++;
    this.streamUp = false;
  }

  pinged(ok: boolean): void {
    if (!ok) this.seq++;
    this.pingOk = ok;
  }

  /** This read is stale (a pull of ours changes the images a host has, which no container event tells). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const e = this.entries.get(key);
    if (e !== undefined && this.streamUp && this.pingOk && e.seq === this.seq && now < e.until)
      return e.value as Promise<T>;
    const value = load();
    // Not all at once: hosts read in the same pass would otherwise all be read again in one later pass.
    const entry = { seq: this.seq, until: now + QUIET_RESYNC_MS * (1 - this.random() / 2), value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}

export interface DockerDriverOptions {
  readonly host: HostSpec;
  readonly cluster: ClusterSpec;
  readonly secrets: SecretStore;
  /**
   * The operator's ceiling: no secret value (application secret or registry
   * credential) is sent to an endpoint it does not list. Default: not pinned.
   */
  readonly ceiling?: Ceiling;
  readonly logger: Logger;
  readonly concurrency?: number;
  /** Shared by every host's driver: calls in flight across the fleet (see call.ts). */
  readonly fleetCalls?: Limiter;
  readonly callTimeoutMs?: number;
  readonly pingTimeoutMs?: number;
  readonly pullTimeoutMs?: number;
  /** How long one list of the host's replicas answers status() calls (default 200 ms). */
  readonly statusCacheMs?: number;
}

export async function createDockerDriver(o: DockerDriverOptions): Promise<HostDriver> {
  const host = await DockerHost.create({
    name: o.host.name,
    docker: o.host.docker,
    ...(o.host.tls !== undefined ? { tls: o.host.tls } : {}),
    cluster: o.cluster.name,
    secrets: mayReceiveSecrets(o) ? o.secrets : withoutSecretsToSend(o.secrets),
    logger: o.logger,
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.fleetCalls !== undefined ? { fleetCalls: o.fleetCalls } : {}),
    ...(o.callTimeoutMs !== undefined ? { callTimeoutMs: o.callTimeoutMs } : {}),
    ...(o.pingTimeoutMs !== undefined ? { pingTimeoutMs: o.pingTimeoutMs } : {}),
    ...(o.pullTimeoutMs !== undefined ? { pullTimeoutMs: o.pullTimeoutMs } : {}),
  });
  // The edge talks to the same daemon through its own client (exec and archive
  // calls stream, and must not queue behind replica operations), over the
  // host's connection: no second read of the TLS material, no second SSH session.
  const edgeDocker = new Docker({ ...host.connection, timeout: 15_000 });
  return new DockerHostDriver(host, o, edgeDocker);
}

function mayReceiveSecrets(o: DockerDriverOptions): boolean {
  return o.ceiling === undefined || secretsMayGoTo(o.ceiling, o.host.docker);
}

/** The store as an endpoint outside the ceiling sees it: its own TLS material only, no registry credentials. */
function withoutSecretsToSend(secrets: SecretStore): SecretStore {
  return {
    path: (name) => secrets.path(name),
    get: async (name) => (name.startsWith("registry-auth/") ? undefined : secrets.get(name)),
    getApplication: () => Promise.resolve(undefined),
  };
}

class DockerHostDriver implements HostDriver {
  readonly name: string;
  /** Networks made sure of, by stack network name ("" for the cluster network). */
  private networks = new Map<string, { at: number; done: Promise<unknown> }>();
  private prepared = false;
  private listing: { at: number; replicas: Promise<readonly ObservedReplica[]> } | undefined;
  private readonly quiet = new QuietReads();
  readonly edge: EdgeHost;
  readonly volumes: VolumePort;
  readonly lock: HostLock;

  constructor(
    private readonly host: DockerHost,
    private readonly o: DockerDriverOptions,
    edgeDocker: Docker,
  ) {
    this.name = o.host.name;
    this.edge = new DockerEdgeHost({
      host: o.host.name,
      docker: edgeDocker,
      ensureNetwork: (network?: string) => this.ensureNetwork(network),
      logger: o.logger,
      timeoutMs: 10_000,
    });
    this.volumes = {
      list: () => this.quiet.read("volumes", () => host.listVolumes()),
      sizes: () => host.volumeSizes(),
      openHelper: (o) => this.changing(() => host.openVolumeHelper(o)),
      prepareCopyTarget: (t) => this.changing(() => host.prepareCopyTarget(t)),
      markSuperseded: (o) => this.changing(() => host.markSuperseded(o)),
    };
    // The lock record is a never-started container of the edge's image, which every host needs anyway.
    const image = o.cluster.edge.image;
    this.lock = {
      read: () => host.readLock(),
      create: (holder, lease) => host.createLock(image, holder, lease),
      renew: (id, lease) => host.renewLock(id, lease),
      remove: (id) => host.removeLock(id),
    };
  }

  ping(): Promise<void> {
    return this.pinged(this.host.ping());
  }

  pingRenewing(id: string, lease: LockLease): Promise<boolean> {
    return this.pinged(this.host.pingRenewing(id, lease));
  }

  /** The heartbeat's beat (HostDriver.beat), as ping() and pingRenewing() through handlers made once. */
  beat(renewal: BeatRenewal | undefined, listener: BeatListener): void {
    if (this.beatOut !== undefined) {
      beatThroughPromises(this, renewal, listener);
      return;
    }
    this.beatOut = listener;
    this.host.beat(renewal, this.beatAnswer);
  }

  private beatOut: BeatListener | undefined;
  private readonly beatAnswer: BeatListener = {
    answered: (written) => {
      const listener = this.beatOut;
      this.beatOut = undefined;
      this.quiet.pinged(true);
      listener?.answered(written);
    },
    failed: (err) => {
      const listener = this.beatOut;
      this.beatOut = undefined;
      this.quiet.pinged(false);
      listener?.failed(err);
    },
  };

  private pinged<T>(answer: Promise<T>): Promise<T> {
    return answer.then(this.pingAnswered, this.pingFailed) as Promise<T>;
  }

  /** pinged()'s handlers, made once (a beat is 90 a second at 300 hosts). */
  private readonly pingAnswered = <T>(v: T): T => {
    this.quiet.pinged(true);
    return v;
  };

  private readonly pingFailed = (err: unknown): never => {
    this.quiet.pinged(false);
    throw err;
  };

  async facts(): Promise<HostFacts> {
    const [info, foreignPorts] = await Promise.all([
      // Capacity and images: kept while quiet too (read at most every INFO_TTL_MS otherwise); a
      // daemon restarted with other resources reconnects the stream, a pull of ours forgets it.
      this.quiet.read("info", () => this.host.info()),
      this.quiet.read("foreign-ports", () => this.host.foreignPorts(this.o.host.address)),
    ]);
    return { capacity: info.capacity, images: info.images, foreignPorts };
  }

  observe(): Promise<readonly ObservedReplica[]> {
    const replicas = this.quiet.read("replicas", () => this.host.observe());
    this.listing = { at: Date.now(), replicas };
    return replicas;
  }

  async status(ref: string): Promise<ContainerStatus | undefined> {
    const fresh = this.listing !== undefined && Date.now() - this.listing.at < (this.o.statusCacheMs ?? 200);
    const replicas = await (fresh && this.listing ? this.listing.replicas : this.observe()).catch(() =>
      this.observe(),
    );
    const r = replicas.find((x) => x.id === ref || x.name === ref);
    if (r === undefined) return undefined;
    return {
      id: r.id,
      state: r.state,
      health: r.health,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
    };
  }

  pull(image: string): Promise<"present" | "pulled"> {
    const progress = (p: unknown) => this.o.logger.debug({ host: this.name, image, progress: p }, "pulling");
    // Of the quiet reads only "info" (which holds the host's images) is changed by a pull.
    return this.changing(() => this.host.ensureImage(image, progress), "info");
  }

  create(req: CreateRequest): Promise<Created> {
    return this.changing(() => this.createNow(req));
  }

  /**
   * A change of ours: the quiet reads (or only the read `only`) are stale from its start and again
   * once it is done, as a read taken while it ran may have missed it.
   */
  private changing<T>(call: () => Promise<T>, only?: string): Promise<T> {
    const stale = only === undefined ? () => this.quiet.changed() : () => this.quiet.forget(only);
    stale();
    return call().finally(stale);
  }

  private async createNow(req: CreateRequest): Promise<Created> {
    await this.ensureNetwork();
    for (const n of req.service.networkMode === "host" ? [] : (req.service.networks ?? []))
      await this.ensureNetwork(n.name);
    const wantsSecrets =
      Object.keys(req.service.envSecrets).length > 0 || (req.service.secretFiles ?? []).length > 0;
    if (wantsSecrets && !mayReceiveSecrets(this.o)) {
      // The loader already rejects such a commit; this holds even if a path around it existed.
      throw new DockerError(
        "policy",
        `${req.service.name}: env_secrets not sent to ${this.o.host.name}: its endpoint is not listed in ceiling.endpoints (secrets go only to engines the operator lists)`,
        { host: this.o.host.name, op: "create" },
      );
    }
    const secretEnv = await resolveSecretEnv(req.service, this.o.secrets);
    const secretFiles = await resolveSecretFiles(req.service, this.o.secrets);
    const c = await this.host.createReplica({
      service: req.service,
      slot: req.slot,
      commit: req.commit,
      secretEnv,
      ...((req.service.secretFiles ?? []).length > 0 ? { secretFiles } : {}),
      hostAddress: this.o.host.address,
      policy: this.o.cluster.policy,
      restarts: req.restarts,
      ...(req.epoch !== undefined ? { epoch: req.epoch } : {}),
      ...(this.o.cluster.volumes !== undefined ? { volumes: this.o.cluster.volumes } : {}),
    });
    this.listing = undefined;
    return c;
  }

  start(ref: string): Promise<"started" | "already-running"> {
    this.listing = undefined;
    return this.changing(() => this.host.start(ref)).catch((err: unknown) => {
      // Someone removed the network under us: make sure the next create recreates it.
      if (/network .*not found/i.test(errorMessage(err))) this.networks.clear();
      throw err;
    });
  }

  stop(ref: string, graceMs: number): Promise<"stopped" | "already-stopped" | "gone"> {
    this.listing = undefined;
    return this.changing(() => this.host.stop(ref, graceMs));
  }

  prepare(): void {
    if (this.prepared) return;
    this.prepared = true;
    // A create meanwhile waits for this very call (the map above); a failed one is forgotten there.
    this.ensureNetwork().catch((err: unknown) =>
      this.o.logger.debug({ host: this.name, err: errorMessage(err) }, "cluster network not made ahead"),
    );
  }

  removeNetwork(): Promise<"removed" | "gone"> {
    this.networks.delete("");
    return this.host.removeNetwork();
  }

  remove(ref: string): Promise<"removed" | "gone"> {
    this.listing = undefined;
    return this.changing(() => this.host.remove(ref));
  }

  /**
   * The cluster network (or the stack network `network`), checked at most every
   * NETWORK_CHECK_MS (it can be removed behind our back).
   */
  private async ensureNetwork(network = ""): Promise<void> {
    const known = this.networks.get(network);
    if (known !== undefined && Date.now() - known.at <= NETWORK_CHECK_MS) {
      await known.done;
      return;
    }
    const done = this.host.ensureNetwork({}, network === "" ? undefined : network).catch((err: unknown) => {
      this.networks.delete(network);
      throw err;
    });
    this.networks.set(network, { at: Date.now(), done });
    await done;
  }

  watch(onEvent: (e: DriverEvent) => void): () => void {
    const stop = this.host.watchEvents((e: HostEvent) => {
      this.quiet.event(e.kind);
      onEvent(toDriverEvent(e));
    });
    return () => {
      stop();
      this.quiet.unwatched();
    };
  }

  close(): void {
    this.host.close();
  }
}

function toDriverEvent(e: HostEvent): DriverEvent {
  if (e.kind === "connected") return { kind: "connected" };
  if (e.kind === "disconnected") return { kind: "disconnected", error: e.error };
  return {
    kind: "container",
    action: e.health !== undefined ? `health_status: ${e.health}` : e.action,
    containerId: e.containerId,
    ...(e.service !== undefined ? { service: e.service } : {}),
  };
}
