// The three-host cluster and the `web` service that the operator-level unit tests roll out.
import type { DesiredState, ServiceSpec } from "../../src/model/spec.js";
import { desiredState, host, service, type ServiceOptions } from "./fixtures.js";

export const HOSTS = ["h1", "h2", "h3"];

export const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

/** web at version n: 3 replicas with a healthcheck, start-first, rolled back on failure. */
export function web(version: number, o: ServiceOptions = {}): ServiceSpec {
  return service("web", {
    replicas: 3,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    healthcheck: true,
    ...o,
    update: { monitorMs: 2000, order: "start-first", failureAction: "rollback", ...o.update },
  });
}
