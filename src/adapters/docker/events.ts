// A Docker events subscription that stays up: it reconnects with backoff and
// says "connected" after every (re)connect, because events missed meanwhile
// are gone (the daemon keeps only its last 256) and the caller must resync.
// The daemon drops a subscriber that does not read within 100 ms, so the
// callback must only note that work is due; it is never awaited.

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
  readonly exitCode?: number;
  /** ms since epoch, from the daemon. */
  readonly time: number;
}

export type HostEvent =
  | ContainerEvent
  | { readonly kind: "connected"; readonly host: string }
  | { readonly kind: "disconnected"; readonly host: string; readonly error: string };

export type EventCallback = (event: HostEvent) => void;

type Stream = NodeJS.ReadableStream & { destroy?: (err?: Error) => void };

export interface EventWatcherOptions {
  readonly host: string;
  /** Opens the filtered stream; must reject within a bounded time. */
  readonly open: () => Promise<Stream>;
  readonly onEvent: EventCallback;
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
        const event = line ? parseEvent(this.opts.host, line) : undefined;
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

export function parseEvent(host: string, line: string): ContainerEvent | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  if (raw.Type !== undefined && raw.Type !== "container") return undefined;
  const full = raw.Action ?? raw.status ?? "";
  const [action = "", detail] = full.split(/:\s*/, 2);
  const attrs = raw.Actor?.Attributes ?? {};
  const id = raw.Actor?.ID ?? raw.id ?? "";
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
    ...(exit !== undefined && Number.isFinite(exit) ? { exitCode: exit } : {}),
    time,
  };
}
