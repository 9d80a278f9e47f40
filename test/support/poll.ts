// Waiting for what a test cannot be told about (a process up or gone, a connection closed, an
// event seen): ask again until it holds. A deadline instead of a fixed sleep, so a loaded
// machine makes the wait longer, not the test fail; the deadline is against hangs.

export interface PollOptions {
  /** Give up after this long (default 60 s: at load 40 a wait of one second takes twenty). */
  readonly timeoutMs?: number;
  /** Between two asks (default 100 ms). */
  readonly intervalMs?: number;
  /** What the timeout error says was last seen, for a probe that answers only true or false. */
  readonly seen?: () => unknown;
  /**
   * A probe that throws is asked again, as one that answers "not yet" (a host or a server that
   * is down for a while, say), and the timeout names the last error; by default the error ends
   * the wait.
   */
  readonly retryThrown?: boolean;
  /** The clock to wait on: the real one unless told (a FakeTime, whose run() then drives the wait). */
  readonly time?: { now(): number; sleep(ms: number): Promise<void> };
}

const REAL_TIME = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** What `probe` answers while the wait goes on. */
type NotYet = undefined | null | false;

/**
 * Asks `probe` until it answers something other than undefined, null or false, and returns
 * that answer. A probe that throws ends the wait with its error unless `retryThrown`. On
 * timeout the error names `what` and the last answer (or error).
 */
export async function pollUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: PollOptions = {},
): Promise<Exclude<T, NotYet>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 100;
  const time = options.time ?? REAL_TIME;
  const deadline = time.now() + timeoutMs;
  for (;;) {
    let answer: T | undefined;
    let thrown: { error: unknown } | undefined;
    try {
      answer = await probe();
    } catch (error) {
      if (options.retryThrown !== true) throw error;
      thrown = { error };
    }
    if (answer !== undefined && answer !== null && answer !== false) return answer as Exclude<T, NotYet>;
    if (time.now() > deadline) {
      const last = options.seen
        ? `last seen: ${show(options.seen())}`
        : thrown
          ? `last error: ${String(thrown.error)}`
          : `last seen: ${show(answer)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await time.sleep(intervalMs);
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
