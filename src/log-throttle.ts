// Rate-limited warnings: during an outage the same failure repeats on every
// pass (Git polls, status pushes), and a log that says it four times a second
// hides everything else. The first one of a kind is a warning, then at most
// one a period with the count of those logged at debug in between; a success
// clears the kind so the next failure is loud again.

import type { Logger } from "./ports/logger.js";

export const DEFAULT_WARN_EVERY_MS = 60_000;

export class WarnThrottle {
  private readonly kinds = new Map<string, { at: number; quiet: number }>();

  constructor(
    private readonly everyMs = DEFAULT_WARN_EVERY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Log at warn (first time, then once a period) or at debug, with `suppressed` on the loud lines. */
  warn(logger: Logger, kind: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const k = this.kinds.get(kind);
    if (k !== undefined && now - k.at < this.everyMs) {
      k.quiet++;
      logger.debug(fields, message);
      return;
    }
    const suppressed = k?.quiet ?? 0;
    this.kinds.set(kind, { at: now, quiet: 0 });
    logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }

  /** The failure is over: the next one is a warning at once. */
  clear(kind: string): void {
    this.kinds.delete(kind);
  }
}
