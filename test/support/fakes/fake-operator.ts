// The real Operator wired to fake hosts, Git and clock, as every operator-level
// unit test drives it: quick polls, no heartbeat unless asked for.

import { Operator } from "../../../src/daemon/operator.js";
import type { FakeFleet } from "./fake-fleet.js";
import type { FakeSink, FakeSource } from "./fake-ports.js";
import type { FakeTime } from "./fake-time.js";
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
