// What a deploy's plan keeps alive: every task of every rollout stays alive until its rollout
// ends, 10,000 at 1,000 hosts × 10 services, through the whole deploy (bench/RESULTS.md, fleet
// scale). A task made as `{ ...head, steps, undo }` took about 0.3 KiB more than the same task
// written as one object literal: V8 gives a spread's copy room for the copied properties only,
// and the two added after it went to a separate property store. Measured here as the heap
// retained per planned create (the task, its three steps and their names).

import v8 from "node:v8";
import vm from "node:vm";
import { expect, it } from "vitest";
import { host, service } from "../../support/fixtures.js";
import { planFor, tasksOf } from "../../support/plan-helpers.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it("a planned create keeps under 960 bytes alive (task, steps, names)", () => {
  const hosts = Array.from({ length: 500 }, (_, i) => host(`h${i + 1}`));
  const services = Array.from({ length: 10 }, (_, i) => service(`s${i}`, { replicas: 500 }));
  const before = heapUsed();
  const p = planFor(hosts, services, []);
  const perTask = (heapUsed() - before) / tasksOf(p).length;
  process.stderr.write(`retained per planned create: ${Math.round(perTask)} B\n`);
  expect(tasksOf(p)).toHaveLength(5000);
  expect(perTask).toBeLessThan(960);
});
