// The system clock behind the time port (ports/time.ts): the only place that
// reads Date.now() and sets timers for the controller's waits. The process
// wiring passes it in; tests pass a fake.

import { onAbort } from "../../model/abort-listeners.js";
import type { Clock, Time } from "../../ports/time.js";

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

/** The same clock, for adapters that only read the time. */
export const systemClock: Clock = systemTime;
