// Time as a port: the executor and the loop read the clock and sleep only
// through it, so unit tests run minutes of rollout in fake time
// (test/support/fakes/fake-time.ts). The system's is adapters/system/clock.ts,
// passed in by the process wiring.

export interface Clock {
  now(): number;
}

export interface Time extends Clock {
  /** Resolves after ms, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
