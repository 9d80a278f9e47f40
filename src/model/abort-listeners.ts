// Many waits on one long-lived AbortSignal (a host's "down" fence, the loop's
// stop signal shared by every wait-healthy of a rollout): one listener per
// wait would pile up hundreds on the signal while a fleet-wide rollout runs
// (Node warns at 11: MaxListenersExceededWarning). Here each signal gets one
// listener, installed once, that calls every callback registered at the time
// it aborts; a callback is forgotten as soon as its wait ends.

const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` when `signal` aborts (never if it already has). Returns what forgets `fn`. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = callbacks.get(signal);
  if (set === undefined) {
    const fresh = new Set<() => void>();
    set = fresh;
    callbacks.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        const due = [...fresh];
        fresh.clear();
        for (const f of due) f();
      },
      { once: true },
    );
  }
  const registered = set;
  registered.add(fn);
  return () => void registered.delete(fn);
}

/** Callbacks waiting on `signal` now (tests: none may stay behind once their waits ended). */
export function abortWaiters(signal: AbortSignal): number {
  return callbacks.get(signal)?.size ?? 0;
}
