// An in-memory Docker host behind the HostDriver port, for the executor's
// pure logic only (real Docker is exercised by the e2e tests). Each call
// takes opMs of fake time; images behave as configured (healthy after a
// while, unhealthy, exiting, not pullable), so tests can assert on what ran
// where and when.

import type {
  ContainerStatus,
  CreateRequest,
  Created,
  DriverEvent,
  HostDriver,
  HostFacts,
} from "../../../src/ports/host.js";
import type { VolumePort } from "../../../src/ports/volumes.js";
import type { ContainerState, Health, ObservedReplica } from "../../../src/model/observed.js";
import { containerName } from "../../../src/model/names.js";
import { volumeName, type ObservedVolume } from "../../../src/model/volumes.js";
import type { FakeTime } from "./fake-time.js";

export interface ImageBehaviour {
  /** With a healthcheck: healthy this long after start (default 1000). */
  readonly healthyAfterMs?: number;
  /** Turns unhealthy this long after start. */
  readonly unhealthyAfterMs?: number;
  /** Exits this long after start. */
  readonly exitAfterMs?: number;
  readonly exitCode?: number;
  readonly pullFails?: boolean;
}

export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly slot: string;
  readonly specHash: string;
  readonly image: string;
  /** The commit it was created for (its gitfleet.commit label). */
  readonly commit: string;
  readonly hasHealthcheck: boolean;
  readonly restarts: number;
  readonly createdAt: number;
  state: ContainerState;
  health: Health;
  exitCode?: number;
  /** Killed by the kernel for its memory limit (see oomKill). */
  oomKilled?: boolean;
  startedAt?: number;
  finishedAt?: number;
  cancel: Array<() => void>;
}

export interface Op {
  readonly time: number;
  readonly host: string;
  readonly op: string;
  readonly ref: string;
}

let nextId = 1;

export class FakeHost implements HostDriver {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  /** Behaviour of an image on this host only (wins over the fleet's). */
  readonly hostBehaviours = new Map<string, ImageBehaviour>();
  /** Set to make every call fail as an unreachable host does. */
  down = false;
  inFlight = 0;
  maxInFlight = 0;
  /** Called once a create has made its container (and its volumes), before the call returns. */
  afterCreate?: (c: FakeContainer) => void;
  /** Our named volumes, made as Docker makes them: by the first create that mounts one. */
  readonly namedVolumes = new Map<string, ObservedVolume>();
  /** Set by withVolumes(): the host lists its named volumes (the data-move parts are not faked). */
  volumes?: VolumePort;

  constructor(
    readonly name: string,
    private readonly time: FakeTime,
    private readonly behaviours: Map<string, ImageBehaviour>,
    private readonly ops: Op[],
    private readonly opMs = 100,
  ) {}

  /** Give the host named volumes: list() answers like any other call (and fails when down). */
  withVolumes(): this {
    const unsupported = (): Promise<never> => Promise.reject(new Error("not faked"));
    this.volumes = {
      list: async () => {
        await this.call("list-volumes", "");
        return [...this.namedVolumes.values()];
      },
      sizes: async () => new Map(),
      openHelper: unsupported,
      prepareCopyTarget: unsupported,
      markSuperseded: unsupported,
    };
    return this;
  }

  /** Put a container on the host as if an earlier operator had created and started it. */
  seed(req: CreateRequest, state: ContainerState = "running"): FakeContainer {
    const c = this.make(req);
    c.state = state;
    c.health = state === "running" && c.hasHealthcheck ? "healthy" : "none";
    if (state === "running") c.startedAt = this.time.now();
    return c;
  }

  /** Docker kill: the process dies with 137. */
  kill(ref: string): void {
    const c = this.find(ref);
    if (c === undefined) throw new Error(`no container ${ref}`);
    this.exit(c, 137);
  }

  /** The kernel's OOM killer: 137, and inspect says OOMKilled. */
  oomKill(ref: string): void {
    this.kill(ref);
    const c = this.find(ref);
    if (c !== undefined) c.oomKilled = true;
  }

  byService(service: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.service === service);
  }

  async ping(): Promise<void> {
    await this.call("ping", "");
  }

  async facts(): Promise<HostFacts> {
    await this.call("facts", "");
    return { capacity: { nanoCpus: 4e9, memoryBytes: 8 * 2 ** 30 }, images: [...this.images].sort() };
  }

  async observe(): Promise<readonly ObservedReplica[]> {
    await this.call("observe", "");
    return [...this.containers.values()].map((c) => ({
      id: c.id,
      name: c.name,
      host: this.name,
      service: c.service,
      slot: c.slot,
      specHash: c.specHash,
      image: c.image,
      commit: c.commit,
      state: c.state,
      health: c.health,
      createdAt: c.createdAt,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.oomKilled === true ? { oomKilled: true } : {}),
      restartCount: c.restarts,
      publishedPorts: {},
    }));
  }

  async status(ref: string): Promise<ContainerStatus | undefined> {
    await this.call("status", ref, 10);
    const c = this.find(ref);
    if (c === undefined) return undefined;
    return {
      id: c.id,
      state: c.state,
      health: c.health,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    };
  }

  async pull(image: string): Promise<"present" | "pulled"> {
    await this.call("pull", image);
    if (this.images.has(image)) return "present";
    if (this.behaviour(image).pullFails === true)
      throw Object.assign(new Error(`manifest for ${image} not found`), { code: "image-not-found" });
    this.images.add(image);
    return "pulled";
  }

  async create(req: CreateRequest): Promise<Created> {
    await this.call("create", `${req.service.name}/${req.slot}`);
    const name = containerName("test", req.service.name, req.slot, req.service.specHash);
    const existing = this.find(name);
    if (existing !== undefined) return { id: existing.id, name, adopted: true };
    if (this.behaviour(req.service.image).pullFails === true) {
      throw Object.assign(new Error(`No such image: ${req.service.image}`), { code: "image-not-found" });
    }
    const c = this.make(req);
    if (this.volumes !== undefined) {
      for (const v of req.service.volumes) {
        if (v.type !== "volume" || v.source === undefined) continue;
        const name = volumeName("test", v.source);
        if (this.namedVolumes.has(name)) continue;
        this.namedVolumes.set(name, {
          host: this.name,
          name,
          source: v.source,
          driver: "local",
          service: req.service.name,
          slot: req.slot,
          createdAt: this.time.now(),
        });
      }
    }
    this.afterCreate?.(c);
    return { id: c.id, name: c.name, adopted: false };
  }

  async start(ref: string): Promise<"started" | "already-running"> {
    await this.call("start", ref);
    const c = this.need(ref);
    if (c.state === "running") return "already-running";
    c.state = "running";
    c.health = c.hasHealthcheck ? "starting" : "none";
    c.startedAt = this.time.now();
    delete c.exitCode;
    const b = this.behaviour(c.image);
    if (c.hasHealthcheck) {
      if (b.unhealthyAfterMs !== undefined)
        c.cancel.push(this.time.after(b.unhealthyAfterMs, () => (c.health = "unhealthy")));
      else c.cancel.push(this.time.after(b.healthyAfterMs ?? 1000, () => (c.health = "healthy")));
    }
    if (b.exitAfterMs !== undefined)
      c.cancel.push(this.time.after(b.exitAfterMs, () => this.exit(c, b.exitCode ?? 1)));
    return "started";
  }

  async stop(ref: string, _graceMs: number): Promise<"stopped" | "already-stopped" | "gone"> {
    await this.call("stop", ref);
    const c = this.find(ref);
    if (c === undefined) return "gone";
    if (c.state !== "running") return "already-stopped";
    this.exit(c, 0);
    return "stopped";
  }

  async remove(ref: string): Promise<"removed" | "gone"> {
    await this.call("remove", ref);
    const c = this.find(ref);
    if (c === undefined) return "gone";
    for (const f of c.cancel) f();
    this.containers.delete(c.id);
    return "removed";
  }

  watch(_onEvent: (e: DriverEvent) => void): () => void {
    return () => undefined;
  }

  close(): void {}

  private behaviour(image: string): ImageBehaviour {
    return this.hostBehaviours.get(image) ?? this.behaviours.get(image) ?? {};
  }

  private make(req: CreateRequest): FakeContainer {
    const id = `c${nextId++}`;
    const c: FakeContainer = {
      id,
      name: containerName("test", req.service.name, req.slot, req.service.specHash),
      service: req.service.name,
      slot: req.slot,
      specHash: req.service.specHash,
      image: req.service.image,
      commit: req.commit,
      hasHealthcheck: req.service.healthcheck !== undefined,
      restarts: req.restarts,
      createdAt: this.time.now(),
      state: "created",
      health: "none",
      cancel: [],
    };
    this.containers.set(id, c);
    return c;
  }

  private exit(c: FakeContainer, code: number): void {
    for (const f of c.cancel) f();
    c.cancel = [];
    c.state = "exited";
    c.health = c.hasHealthcheck ? "unhealthy" : "none";
    c.exitCode = code;
    c.finishedAt = this.time.now();
  }

  private find(ref: string): FakeContainer | undefined {
    return this.containers.get(ref) ?? [...this.containers.values()].find((c) => c.name === ref);
  }

  private need(ref: string): FakeContainer {
    const c = this.find(ref);
    if (c === undefined) throw Object.assign(new Error(`No such container: ${ref}`), { code: "not-found" });
    return c;
  }

  private async call(op: string, ref: string, ms = this.opMs): Promise<void> {
    if (this.down) throw Object.assign(new Error(`${this.name} does not answer`), { code: "unreachable" });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.time.sleep(ms);
    } finally {
      this.inFlight--;
    }
    if (op !== "status" && op !== "observe" && op !== "ping" && op !== "facts") {
      this.ops.push({ time: this.time.now(), host: this.name, op, ref });
    }
  }
}
