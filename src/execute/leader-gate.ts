// Standby operators: every call that changes a host goes through this gate. A
// process that is not (or no longer) the leader by its own clock makes no such
// call: it fails with code "fenced" before anything leaves the process. What a
// leader creates carries its term's epoch (label gitfleet.epoch), so work of a
// stale leader is recognisable on the hosts. Reads (ping, facts, observe,
// status, events, volume lists) stay open: standbys keep a fresh view with them.

import type { Leadership } from "../model/leadership.js";
import type { DriverFactory } from "../observe/fleet.js";
import { ControllerError, type HostDriver } from "../ports/host.js";

/** HostDriver calls that only read. */
const DRIVER_READS = new Set(["ping", "facts", "observe", "status", "watch", "close"]);
/** EdgeHost and VolumePort calls that only read. */
const EDGE_READS = new Set(["heldPorts"]);
const VOLUME_READS = new Set(["list", "sizes"]);

export function leaderGatedDrivers(drivers: DriverFactory, leadership: Leadership): DriverFactory {
  return async (host, cluster) => gateDriver(await drivers(host, cluster), leadership);
}

export function gateDriver(driver: HostDriver, leadership: Leadership): HostDriver {
  const check = (what: string): void => {
    if (leadership.mayAct()) return;
    throw new ControllerError("fenced", `not the leader (any more): ${what} on ${driver.name} not done`);
  };
  const gatedEdge =
    driver.edge === undefined
      ? undefined
      : gate(driver.edge, EDGE_READS, check, {
          // The runtime API of an edge (drains, weights) changes the host too.
          target: (...args: Parameters<NonNullable<HostDriver["edge"]>["target"]>) =>
            gate(driver.edge!.target(...args), new Set(), check),
        });
  const gatedVolumes = driver.volumes === undefined ? undefined : gate(driver.volumes, VOLUME_READS, check);
  return gate(driver, DRIVER_READS, check, {
    create: (req: Parameters<HostDriver["create"]>[0]) => {
      check("create");
      const epoch = leadership.term?.epoch;
      return driver.create(epoch !== undefined ? { ...req, epoch } : req);
    },
    ...(gatedEdge !== undefined ? { edge: gatedEdge } : {}),
    ...(gatedVolumes !== undefined ? { volumes: gatedVolumes } : {}),
  });
}

/**
 * A view of `target` whose methods check first, except the `reads`; `overrides`
 * replace members outright. Methods are called on the target itself (classes
 * with private fields do not work through a Proxy receiver).
 */
function gate<T extends object>(
  target: T,
  reads: ReadonlySet<string>,
  check: (what: string) => void,
  overrides: Record<string, unknown> = {},
): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "string" && Object.hasOwn(overrides, prop)) return overrides[prop];
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop !== "string" || reads.has(prop)) return fn.bind(t);
      return (...args: unknown[]) => {
        check(prop);
        return fn.apply(t, args);
      };
    },
  });
}
