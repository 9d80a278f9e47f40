// The three-host cluster and the `web` service that the operator-level and executor unit tests roll out.
import type { DesiredState, ServiceSpec } from "../../src/model/spec.js";
import { desiredState, host, service, type ServiceOptions } from "./fixtures.js";

export const HOSTS = ["h1", "h2", "h3"];

export const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

/** web at version n: image web:n, a spec hash of its own, 3 replicas with a healthcheck; the rest from `o`. */
export function webVersion(version: number, o: ServiceOptions = {}): ServiceSpec {
  return service("web", {
    replicas: 3,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    healthcheck: true,
    ...o,
  });
}

/** web at version n: 3 replicas with a healthcheck, start-first, rolled back on failure. */
export function web(version: number, o: ServiceOptions = {}): ServiceSpec {
  return webVersion(version, {
    ...o,
    update: { monitorMs: 2000, order: "start-first", failureAction: "rollback", ...o.update },
  });
}
