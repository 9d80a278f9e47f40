// The real Operator wired to fake hosts, Git and clock, as every operator-level
// unit test drives it: quick polls, no heartbeat unless asked for.

import type { DesiredState } from "../../../src/model/spec.js";
import { Operator } from "../../../src/daemon/operator.js";
import { FakeFleet } from "./fake-fleet.js";
import { FakeSink, FakeSource } from "./fake-ports.js";
import { FakeTime } from "./fake-time.js";
import { silent } from "./execute-harness.js";

export interface FakeWorld {
  readonly time: FakeTime;
  readonly fleet: FakeFleet;
  readonly source: FakeSource;
  readonly sink: FakeSink;
}

export function fakeOperator(w: FakeWorld, o: { heartbeat?: boolean } = {}): Operator {
  return new Operator({
    source: w.source,
    sink: w.sink,
    drivers: async (h) => w.fleet.host(h.name),
    time: w.time,
    logger: silent,
    pollMs: 100,
    heartbeat: o.heartbeat ?? false,
  });
}

/** Fake hosts (by name), Git source, status sink and clock, with `desired` as the source's first commit. */
export function fakeWorld(hosts: readonly string[], desired: DesiredState, commit?: string): FakeWorld {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, hosts);
  const source = new FakeSource(time);
  const sink = new FakeSink(time);
  source.set(desired, commit);
  return { time, fleet, source, sink };
}
