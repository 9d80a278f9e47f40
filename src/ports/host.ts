// The HostDriver port: the part of one Docker host the controller needs, and
// nothing more. The executor and the reconcile loop only see this, so their
// logic is tested against a small in-memory fake; production wires it to the
// Docker adapter (adapters/docker/driver.ts), which bounds concurrency and time per host.

import type { ContainerState, ForeignPort, Health, ObservedReplica } from "../model/observed.js";
import type { LockIdentity, LockLease, LockRecord } from "../model/lock.js";
import type { Resources, ServiceSpec } from "../model/spec.js";
import type { EdgeHost } from "./edge.js";
import type { VolumePort } from "./volumes.js";

/** What `docker info` and the image list say; refreshed every pass. */
export interface HostFacts {
  readonly capacity: Resources;
  /** Image references present on the host. */
  readonly images: readonly string[];
  /** Ports on the host's address held by containers that are not ours; absent = not known. */
  readonly foreignPorts?: readonly ForeignPort[];
}

/** One container's state, as the wait-healthy gate polls it. */
export interface ContainerStatus {
  readonly id: string;
  readonly state: ContainerState;
  readonly health: Health;
  readonly exitCode?: number;
}

/** Everything a replica's container is built from; the driver adds secrets, address, policy. */
export interface CreateRequest {
  readonly service: ServiceSpec;
  readonly slot: string;
  readonly commit: string;
  /** Restarts of this slot so far, carried onto the new container (label gitfleet.restarts). */
  readonly restarts: number;
  /** The leadership term that creates it (label gitfleet.epoch); absent in single-instance mode. */
  readonly epoch?: number;
}

export interface Created {
  readonly id: string;
  readonly name: string;
  /** The deterministic name existed already (an earlier, interrupted pass) and was adopted. */
  readonly adopted: boolean;
}

/** Events from a host's stream, reduced to what marks a pass as due. */
export type DriverEvent =
  | {
      readonly kind: "container";
      readonly action: string;
      readonly containerId: string;
      readonly service?: string;
    }
  | { readonly kind: "connected" }
  | { readonly kind: "disconnected"; readonly error: string };

/** Told once what became of a beat (HostDriver.beat). */
export interface BeatListener {
  /** The host answered; `written`: the renewal the beat carried was written (false for a ping). */
  answered(written: boolean): void;
  /** No answer in time, or (a ping) an error answer: as ping() and pingRenewing() reject. */
  failed(err: unknown): void;
}

/**
 * A beat through the promise methods: pingRenewing() when `renewal` is given and the driver can
 * renew, else ping(), its outcome told to `listener`. For a driver without beat(), and for a second
 * beat while a driver's one-at-a-time beat() is out.
 */
export function beatThroughPromises(
  driver: Pick<HostDriver, "ping" | "pingRenewing">,
  renewal: BeatRenewal | undefined,
  listener: BeatListener,
): void {
  const answer =
    renewal !== undefined && driver.pingRenewing !== undefined
      ? driver.pingRenewing(renewal.id, renewal.lease)
      : driver.ping();
  answer.then((w) => listener.answered(w === true), listener.failed.bind(listener));
}

/** A lock renewal for a beat to carry (the cluster lock's due()). */
export interface BeatRenewal {
  readonly id: string;
  readonly lease: LockLease;
}

export interface HostDriver {
  readonly name: string;
  /** Cheap liveness probe with a short deadline; rejects when the host does not answer. */
  ping(): Promise<void>;
  /**
   * The ping and the cluster lock's renewal of record `id` in one request (the heartbeat's beat
   * when a renewal is due: one request per host instead of a ping and a renewal). Under the
   * ping's deadline, and a liveness probe exactly as ping(): rejects when the host does not
   * answer. Resolves true when the lease was written; false when the engine answered but did
   * not write it (the record is gone, say): the lock then reads the record and judges.
   */
  pingRenewing?(id: string, lease: LockLease): Promise<boolean>;
  /**
   * The heartbeat's beat without a promise (90 a second at 300 hosts, and a promise chain per
   * beat through each layer was much of an idle operator's garbage): pingRenewing() when
   * `renewal` is given, else ping(), its outcome told to `listener`. Optional: the heartbeat
   * uses those two without it.
   */
  beat?(renewal: BeatRenewal | undefined, listener: BeatListener): void;
  facts(): Promise<HostFacts>;
  /** Our replicas on the host, rebuilt from labels. */
  observe(): Promise<readonly ObservedReplica[]>;
  /** A container by id or name; undefined when there is no such container. */
  status(ref: string): Promise<ContainerStatus | undefined>;
  /** Make the image present (pull only when missing). */
  pull(image: string): Promise<"present" | "pulled">;
  /** Create (not start); 409 on our own deterministic name adopts the existing container. */
  create(req: CreateRequest): Promise<Created>;
  start(ref: string): Promise<"started" | "already-running">;
  stop(ref: string, graceMs: number): Promise<"stopped" | "already-stopped" | "gone">;
  remove(ref: string): Promise<"removed" | "gone">;
  /**
   * Start making what every replica on the host joins (the cluster network) without waiting
   * for it, once per driver: the first pass asks while it observes the hosts, so the first
   * create does not wait for it. Never throws or rejects; a failure is left to the first
   * create, which makes sure of the network again. Absent in fakes.
   */
  prepare?(): void;
  /** Remove the cluster network (a host removed from the cluster); absent in fakes. */
  removeNetwork?(): Promise<"removed" | "gone">;
  /** Subscribe to our containers' events; the callback must not block. Returns unsubscribe. */
  watch(onEvent: (e: DriverEvent) => void): () => void;
  close(): void;
  /** The host's edge (HAProxy) container; absent in drivers that run no edge (fakes). */
  readonly edge?: EdgeHost;
  /** The host's named volumes; absent in drivers that have none (fakes). */
  readonly volumes?: VolumePort;
  /** The cluster lock's record on this host; absent in drivers that keep none (fakes). */
  readonly lock?: HostLock;
}

/** The cluster lock's record on one host (see cluster-lock.ts). */
export interface HostLock {
  read(): Promise<LockRecord | undefined>;
  /** "exists" when someone else created the record first. */
  create(holder: LockIdentity, lease: LockLease): Promise<{ id: string } | "exists">;
  renew(id: string, lease: LockLease): Promise<void>;
  /** Remove exactly the record with this id, never a newer one. */
  remove(id: string): Promise<void>;
}

/** Error codes carried by errors the controller raises itself. */
export type ControllerErrorCode =
  | "host-unreachable" // no driver for the host, or it did not answer in time
  | "spec-mismatch" // a create step names a spec hash the desired state does not have
  | "image-pull-failed" // the image of a new container could not be pulled on its host
  | "not-healthy" // wait-healthy: exited, unhealthy, gone, or timed out
  | "cancelled"
  | "fenced" // this process lost the leader's lease (standby operators): it makes no call to a host
  | "edge-timeout" // one host's edge step did not finish within its deadline
  | "data-move-timeout" // a volume copy did not finish within its deadline
  | "data-copy-mismatch" // a volume copy does not verify (bytes, files, checksum)
  | "lock-lost" // the cluster lock's record changed hands while it was being taken
  | "internal"; // a broken invariant of gitfleet itself (a bug)

export class ControllerError extends Error {
  constructor(
    readonly code: ControllerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ControllerError";
  }
}

/** A stable code for any error: ours, the Docker adapter's, or "error". */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "error";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
