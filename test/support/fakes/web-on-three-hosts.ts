// The fleet the executor's unit tests roll out on: three hosts (h1-h3) in a
// FakeFleet in fake time, and versions of a three-replica service "web" with
// a healthcheck. Each test file says its own update and rollback settings.

import { expect } from "vitest";
import type { DesiredState, ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service, type ServiceOptions } from "../fixtures.js";
import { FakeFleet } from "./fake-fleet.js";
import { FakeTime } from "./fake-time.js";
import { harness, type Harness } from "./execute-harness.js";

export const HOSTS = ["h1", "h2", "h3"];

/** Version `version` of "web": image web:<version>, a spec hash of its own, three replicas. */
export function webVersion(version: number, o: ServiceOptions = {}): ServiceSpec {
  return service("web", {
    replicas: 3,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    healthcheck: true,
    ...o,
  });
}

/** The desired state: the three hosts and these services. */
export function onThreeHosts(...services: ServiceSpec[]): DesiredState {
  return desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );
}

/** A fresh fleet with `v1` deployed by one pass, every replica serving. */
export async function deployed(v1: ServiceSpec): Promise<{ fleet: FakeFleet; h: Harness }> {
  const fleet = new FakeFleet(new FakeTime(), HOSTS);
  const h = harness(fleet);
  await h.pass(onThreeHosts(v1));
  expect(fleet.serving(v1.name, v1.specHash)).toBe(v1.deploy.replicas);
  return { fleet, h };
}
