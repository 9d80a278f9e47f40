// Writes status through the sink only when the rendered files differ from the
// last ones that reached Git, with a message saying what changed. A failed
// write is retried by the next pass (the files still differ then). Commits are
// paced: within minIntervalMs of the last one, a write waits and is coalesced
// with any that follow, so the newest files go in one commit when the interval
// is over: a failing service cannot spam the status branch.

import type { Logger } from "../ports/logger.js";
import type { StatusSink } from "../ports/index.js";
import { redactCredentials } from "../redact.js";
import {
  ClusterViews,
  describeChange,
  StatusMemo,
  type RenderWork,
  type StatusInput,
} from "../status/index.js";
import { WarnThrottle } from "../log-throttle.js";
import { errorMessage } from "../ports/host.js";
import type { Time } from "../ports/time.js";

export interface StatusPace {
  readonly time: Time;
  /** At most one status commit per this many ms (0: no pacing). */
  readonly minIntervalMs: number;
}

export class StatusReporter {
  private last: ReadonlyMap<string, string> = new Map();
  /**
   * The files of the last input, redacted (no status line carries a URL's credentials, whatever
   * error text it quotes), kept while the input is unchanged; and each YAML file's text while its
   * document is.
   */
  private readonly files = new StatusMemo(redactCredentials);
  /** The cluster file's parsed view for the commit message, kept from one write to the next. */
  private readonly views = new ClusterViews((path, text) => this.files.docOf(path, text));
  /** Every pass fails to write during a Git outage: warned once a minute. */
  private readonly warnings = new WarnThrottle();
  /** The rendered files of the last write that reached Git. */
  get lastFiles(): ReadonlyMap<string, string> {
    return this.last;
  }

  /** What the last write rendered (nothing when its input was the one before's). */
  get lastRender(): RenderWork {
    return this.files.lastWork;
  }

  /** When the last commit reached Git (ms since epoch); undefined before the first. */
  private lastAt: number | undefined;
  /** Files waiting for the interval to pass (the newest wins), and whether a flush is scheduled. */
  private pending: ReadonlyMap<string, string> | undefined;
  private scheduled = false;

  constructor(
    private readonly sink: StatusSink,
    private readonly logger: Logger,
    private readonly pace?: StatusPace,
  ) {}

  /** Writes go one at a time and in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();

  /** True when Git has the status now (written, or already equal). */
  write(input: StatusInput): Promise<boolean> {
    // Rendered now, so the files say what was true when asked, not when the queue drains.
    const files = this.files.render(input);
    const wait = this.waitMs();
    if (wait > 0 && !same(files, this.last)) {
      this.pending = files;
      this.schedule(wait);
      return Promise.resolve(true); // coalesced: it reaches Git when the interval is over
    }
    this.pending = undefined;
    return this.enqueue(files);
  }

  /** Write what waits for the interval now (on shutdown). */
  flush(): Promise<boolean> {
    const files = this.pending;
    this.pending = undefined;
    return files === undefined ? this.queue.then(() => true) : this.enqueue(files);
  }

  private enqueue(files: ReadonlyMap<string, string>): Promise<boolean> {
    const done = this.queue.then(() => this.writeFiles(files));
    this.queue = done;
    return done;
  }

  private waitMs(): number {
    if (this.pace === undefined || this.pace.minIntervalMs <= 0 || this.lastAt === undefined) return 0;
    return Math.max(0, this.lastAt + this.pace.minIntervalMs - this.pace.time.now());
  }

  private schedule(wait: number): void {
    if (this.scheduled || this.pace === undefined) return;
    this.scheduled = true;
    void this.pace.time.sleep(wait).then(async () => {
      this.scheduled = false;
      await this.flush();
    });
  }

  /**
   * Queue a write without waiting for it: a rollout must not wait on a Git
   * push (about 0.2 s on a good day, timeouts during an outage).
   */
  submit(input: StatusInput): void {
    void this.write(input);
  }

  private async writeFiles(files: ReadonlyMap<string, string>): Promise<boolean> {
    if (same(files, this.last)) return true;
    const message = describeChange(this.last, files, this.views);
    try {
      const r = await this.sink.write(files, message);
      if (r.error !== undefined) {
        this.warnings.warn(this.logger, "write", { err: r.error }, "status not written");
        return false;
      }
      this.last = files;
      if (r.committed) this.lastAt = this.pace?.time.now();
      this.warnings.clear("write");
      if (r.committed) this.logger.info({ commit: r.commit }, message.split("\n")[0] ?? message);
      return true;
    } catch (err) {
      this.warnings.warn(this.logger, "write", { err: errorMessage(err) }, "status not written");
      return false;
    }
  }
}

function same(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a === b || (a.size === b.size && [...a].every(([k, v]) => b.get(k) === v));
}
