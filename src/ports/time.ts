// Time as a port: the executor and the loop read the clock and sleep only
// through it, so unit tests run minutes of rollout in fake time.

import { onAbort } from "../model/abort-listeners.js";
import type { Clock } from "./index.js";

export interface Time extends Clock {
  /** Resolves after ms, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemTime: Time = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted === true || ms <= 0) {
        resolve();
        return;
      }
      // One listener per signal however many sleep on it (every wait-healthy of a rollout does).
      const forget = signal !== undefined ? onAbort(signal, () => done()) : undefined;
      const done = (): void => {
        clearTimeout(timer);
        forget?.();
        resolve();
      };
      const timer = setTimeout(done, ms);
    }),
};
