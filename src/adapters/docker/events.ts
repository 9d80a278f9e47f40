// A Docker events subscription that stays up: it reconnects with backoff and
// says "connected" after every (re)connect, because events missed meanwhile
// are gone (the daemon keeps only its last 256) and the caller must resync.
// The daemon drops a subscriber that does not read within 100 ms, so the
// callback must only note that work is due; it is never awaited.
//
// One stream tells every change of what a pass reads of the host: our
// containers (ContainerEvent, which the operator's triggers see), and, as
// ChangeEvents that only make the driver's kept reads stale, other
// containers (the ports they publish), volumes and images. Only actions that
// change state are asked for: not exec_* (each HEALTHCHECK run is three),
// attach, resize, top, archive or copy.

import type { Logger } from "pino";
import { backoffDelay } from "../../model/backoff.js";
import { LABELS } from "../../model/observed.js";

export interface ContainerEvent {
  readonly kind: "container";
  readonly host: string;
  /** Docker's action: create, start, die, oom, kill, stop, destroy, health_status... */
  readonly action: string;
  readonly health?: "healthy" | "unhealthy";
  readonly containerId: string;
  readonly name?: string;
  readonly service?: string;
  readonly slot?: string;
  /** Its gitfleet role label, if any (a volume's superseded marker is a container of ours). */
  readonly role?: string;
  readonly exitCode?: number;
  /** ms since epoch, from the daemon. */
  readonly time: number;
}

/** A change on the host that is not one of our containers: what the driver reads of it is stale. */
export interface ChangeEvent {
  /** "foreign-container": a container of no cluster or of another one. */
  readonly kind: "foreign-container" | "volume" | "image";
  readonly host: string;
  readonly action: string;
  readonly id: string;
}

/**
 * The stream's filters (GET /events): dockerd ANDs the keys and ORs the values within one, and
 * matches `event` against every type's actions; with health_status among them it matches by
 * prefix ("health_status: unhealthy"), which none of the others is of an unwanted action.
 */
export const WATCHED: { readonly type: readonly string[]; readonly event: readonly string[] } = {
  type: ["container", "volume", "image"],
  event: [
    // containers: what changes a listing, an inspect or the ports a container publishes
    ...["create", "start", "restart", "die", "stop", "kill", "oom", "destroy", "rename", "update"],
    ...["pause", "unpause", "health_status"],
    // volumes: create and destroy (mount and unmount change nothing a listing shows) share those names
    // images: what changes the images a host has and the tags its containers show
    ...["pull", "delete", "tag", "untag", "import", "load"],
  ],
};

export type HostEvent =
  | ContainerEvent
  | ChangeEvent
  | { readonly kind: "connected"; readonly host: string }
  | { readonly kind: "disconnected"; readonly host: string; readonly error: string };

export type EventCallback = (event: HostEvent) => void;

type Stream = NodeJS.ReadableStream & { destroy?: (err?: Error) => void };

export interface EventWatcherOptions {
  readonly host: string;
  /** Opens the filtered stream; must reject within a bounded time. */
  readonly open: () => Promise<Stream>;
  readonly onEvent: EventCallback;
  /** Our cluster: another container is a "foreign-container" change. Unset: every container is ours. */
  readonly cluster?: string;
  readonly logger: Logger;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class EventWatcher {
  private stream: Stream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Reconnection attempts since the stream was last up. */
  private failures = 0;
  private generation = 0;

  constructor(private readonly opts: EventWatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.stream?.destroy?.();
    this.stream = undefined;
  }

  /** Drop the current stream (it may be silently dead) and reconnect now. */
  kick(): void {
    if (!this.running) return;
    this.generation++;
    clearTimeout(this.timer);
    this.stream?.destroy?.();
    this.stream = undefined;
    void this.connect();
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let stream: Stream;
    try {
      stream = await this.opts.open();
    } catch (err) {
      if (gen === this.generation) this.lost(err);
      return;
    }
    if (gen !== this.generation || !this.running) {
      stream.destroy?.();
      return;
    }
    this.stream = stream;
    this.failures = 0;
    this.emit({ kind: "connected", host: this.opts.host });
    let buffered = "";
    stream.on("data", (chunk: Buffer | string) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        const event = line ? parseEvent(this.opts.host, line, this.opts.cluster) : undefined;
        if (event) this.emit(event);
      }
    });
    const done = (err?: unknown): void => {
      if (gen === this.generation) this.lost(err ?? new Error("event stream ended"));
    };
    stream.on("end", () => done());
    stream.on("close", () => done());
    stream.on("error", (err: unknown) => done(err));
  }

  private lost(err: unknown): void {
    this.generation++; // the same loss reported by end+close counts once
    this.stream = undefined;
    if (!this.running) return;
    const error = err instanceof Error ? err.message : String(err);
    this.failures++;
    const delay = backoffDelay(
      this.failures,
      {
        baseMs: this.opts.minBackoffMs ?? 250,
        maxMs: this.opts.maxBackoffMs ?? 10_000,
      },
      Math.random,
    );
    this.opts.logger.warn({ host: this.opts.host, error, retryInMs: delay }, "docker events lost");
    this.emit({ kind: "disconnected", host: this.opts.host, error });
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private emit(event: HostEvent): void {
    try {
      const r: unknown = this.opts.onEvent(event);
      if (r instanceof Promise) r.catch((err: unknown) => this.callbackFailed(err));
    } catch (err) {
      this.callbackFailed(err);
    }
  }

  private callbackFailed(err: unknown): void {
    this.opts.logger.error({ host: this.opts.host, err }, "docker event callback failed");
  }
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function parseEvent(
  host: string,
  line: string,
  cluster?: string,
): ContainerEvent | ChangeEvent | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const full = raw.Action ?? raw.status ?? "";
  const [action = "", detail] = full.split(/:\s*/, 2);
  const attrs = raw.Actor?.Attributes ?? {};
  const id = raw.Actor?.ID ?? raw.id ?? "";
  if (raw.Type === "volume" || raw.Type === "image") return { kind: raw.Type, host, action, id };
  if (raw.Type !== undefined && raw.Type !== "container") return undefined;
  if (cluster !== undefined && attrs[LABELS.cluster] !== cluster)
    return { kind: "foreign-container", host, action, id };
  const exit = attrs["exitCode"] !== undefined ? Number.parseInt(attrs["exitCode"], 10) : undefined;
  const time = raw.timeNano !== undefined ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000;
  return {
    kind: "container",
    host,
    action,
    ...(action === "health_status" && (detail === "healthy" || detail === "unhealthy")
      ? { health: detail }
      : {}),
    containerId: id,
    ...(attrs["name"] !== undefined ? { name: attrs["name"] } : {}),
    ...(attrs[LABELS.service] !== undefined ? { service: attrs[LABELS.service] } : {}),
    ...(attrs[LABELS.slot] !== undefined ? { slot: attrs[LABELS.slot] } : {}),
    ...(attrs[LABELS.role] !== undefined ? { role: attrs[LABELS.role] } : {}),
    ...(exit !== undefined && Number.isFinite(exit) ? { exitCode: exit } : {}),
    time,
  };
}
