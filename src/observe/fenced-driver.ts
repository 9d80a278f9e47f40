// Fencing the executor and the observer off a host the heartbeat declared
// down: a frozen dockerd does not fail its calls, it hangs them until the
// adapter's call timeout (30 s, with retries), which would hold a whole pass
// (and so the failover) hostage. Every call through a fenced driver races the
// host's "down" signal: a call in flight is abandoned the moment the host is
// declared down, and a call started afterwards fails at once.

import { abortWaiters, onAbort } from "../model/abort-listeners.js";
import { ControllerError, type HostDriver } from "../ports/host.js";

/** The host was declared down: the step is cancelled, not failed (it says nothing about the spec). */
export class HostDownError extends ControllerError {
  constructor(readonly host: string) {
    super("host-unreachable", `host ${host} is down`);
    this.name = "HostDownError";
  }
}

export function isHostDown(err: unknown): err is HostDownError {
  return err instanceof HostDownError;
}

/** p, unless the host is (or is declared) down first. */
export function raceDown<T>(p: Promise<T>, down: AbortSignal, host: string): Promise<T> {
  if (down.aborted) {
    p.catch(() => undefined); // the abandoned call must not become an unhandled rejection
    return Promise.reject(new HostDownError(host));
  }
  return new Promise<T>((resolve, reject) => {
    // One listener per host's signal, however many calls race it (hundreds during a rollout).
    const forget = onAbort(down, () => reject(new HostDownError(host)));
    p.then(resolve, reject).finally(forget);
  });
}

/** Calls racing this signal right now (for tests: none may stay behind once settled). */
export const racingCalls = abortWaiters;

export function fenced(driver: HostDriver | undefined, down: AbortSignal): HostDriver | undefined {
  if (driver === undefined) return undefined;
  const host = driver.name;
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    down.aborted ? Promise.reject(new HostDownError(host)) : raceDown(call(), down, host);
  return {
    name: host,
    ping: () => guard(() => driver.ping()),
    facts: () => guard(() => driver.facts()),
    observe: () => guard(() => driver.observe()),
    status: (ref) => guard(() => driver.status(ref)),
    pull: (image) => guard(() => driver.pull(image)),
    create: (req) => guard(() => driver.create(req)),
    start: (ref) => guard(() => driver.start(ref)),
    stop: (ref, graceMs) => guard(() => driver.stop(ref, graceMs)),
    remove: (ref) => guard(() => driver.remove(ref)),
    watch: (onEvent) => driver.watch(onEvent),
    close: () => driver.close(),
  };
}

/**
 * The same fence for any per-host client object (the edge's): every method whose call returns a
 * promise races the host's down signal. The call itself is still made (a synchronous method must
 * return its value); only the waiting for a host declared down is cut short.
 */
export function fencedCalls<T extends object>(target: T, down: AbortSignal, host: string): T {
  return new Proxy(target, {
    get(t, key, receiver): unknown {
      const value: unknown = Reflect.get(t, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        const out: unknown = Reflect.apply(value, t, args);
        return out instanceof Promise ? raceDown(out, down, host) : out;
      };
    },
  });
}
