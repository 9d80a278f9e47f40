// A host driver that forwards every call to another one: wrappers (drain
// before stop, volumes remembered on create) override the few calls they
// change and keep the rest.

import type { HostDriver } from "../ports/host.js";

/** The calls of `d` and its edge, as they are; volumes, lock and removeNetwork are not carried. */
export function forwarding(d: HostDriver): HostDriver {
  return {
    name: d.name,
    ping: () => d.ping(),
    facts: () => d.facts(),
    observe: () => d.observe(),
    status: (ref) => d.status(ref),
    pull: (image) => d.pull(image),
    create: (req) => d.create(req),
    start: (ref) => d.start(ref),
    stop: (ref, graceMs) => d.stop(ref, graceMs),
    remove: (ref) => d.remove(ref),
    watch: (onEvent) => d.watch(onEvent),
    close: () => d.close(),
    ...(d.edge !== undefined ? { edge: d.edge } : {}),
  };
}
