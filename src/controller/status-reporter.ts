// Writes status through the sink only when the rendered files differ from the
// last ones that reached Git, with a message saying what changed. A failed
// write is retried by the next pass (the files still differ then).

import type { Logger } from "pino";
import type { StatusSink } from "../model/ports.js";
import { redactCredentials } from "../redact.js";
import { describeChange, render, type StatusInput } from "../status/index.js";
import { WarnThrottle } from "../log-throttle.js";
import { errorMessage } from "./host-driver.js";

export class StatusReporter {
  private last: ReadonlyMap<string, string> = new Map();
  /** Every pass fails to write during a Git outage: warned once a minute. */
  private readonly warnings = new WarnThrottle();
  /** The rendered files of the last write that reached Git. */
  get lastFiles(): ReadonlyMap<string, string> {
    return this.last;
  }

  constructor(
    private readonly sink: StatusSink,
    private readonly logger: Logger,
  ) {}

  /** Writes go one at a time and in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();

  /** True when Git has the status now (written, or already equal). */
  write(input: StatusInput): Promise<boolean> {
    // Rendered now, so the files say what was true when asked, not when the queue drains.
    // No status line carries a URL's credentials, whatever error text it quotes.
    const files = new Map([...render(input)].map(([p, text]) => [p, redactCredentials(text)]));
    const done = this.queue.then(() => this.writeFiles(files));
    this.queue = done;
    return done;
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
    const message = describeChange(this.last, files);
    try {
      const r = await this.sink.write(files, message);
      if (r.error !== undefined) {
        this.warnings.warn(this.logger, "write", { err: r.error }, "status not written");
        return false;
      }
      this.last = files;
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
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}
