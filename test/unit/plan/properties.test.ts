// Properties of plan() over random clusters, specs and observed states, checked
// by running the plan through the pure simulator in test/support.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ObservedCluster } from "../../../src/model/observed.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { explain, plan } from "../../../src/plan/index.js";
import type { Plan } from "../../../src/plan/types.js";
import { isHealthy, schedule } from "../../../src/schedule/index.js";
import type { Placement } from "../../../src/schedule/types.js";
import {
  buildDesired,
  buildHosts,
  buildScenario,
  propertyBudget,
  scenarioArb,
  shapeArb,
} from "../../support/arbitraries.js";
import { desiredState, host, observedCluster, service } from "../../support/fixtures.js";
import { convergedReplicas } from "../../support/placement.js";
import { simulate } from "../../support/simulate.js";

const { runs: RUNS, timeout: TIMEOUT } = propertyBudget(250, 60_000);

function scenario(s: Parameters<typeof buildScenario>[0], rebalance = false) {
  return buildScenario(s, { rebalance });
}

function pass(desired: DesiredState, observed: ObservedCluster): { placement: Placement; plan: Plan } {
  const placement = schedule(desired, observed);
  return { placement, plan: plan(desired, placement, observed) };
}

describe("plan properties", () => {
  it(
    "plans nothing for a converged cluster",
    () => {
      fc.assert(
        fc.property(shapeArb, (shape) => {
          const desired = buildDesired(shape);
          const hosts = buildHosts(shape);
          const placement = schedule(desired, observedCluster(hosts, []));
          const running = observedCluster(hosts, convergedReplicas(desired, placement));
          expect(pass(desired, running).plan).toEqual({ rollouts: [], held: [] });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "converges: after applying the plan, planning again yields no steps",
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const { desired, observed } = scenario(s);
          const first = pass(desired, observed);
          const after = simulate(desired, first.plan, observed); // throws on a step to an unreachable host
          const second = pass(desired, after);
          expect(second.plan.rollouts.map((r) => `${r.service}: ${r.reason}`)).toEqual([]);
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "is deterministic, down to the explanation",
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const { desired, observed } = scenario(s);
          const a = pass(desired, observed);
          const b = pass(desired, { hosts: [...observed.hosts], replicas: [...observed.replicas].reverse() });
          expect(b.plan).toEqual(a.plan);
          expect(explain(b.plan, b.placement)).toBe(explain(a.plan, a.placement));
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "never takes a service below its healthy replicas minus update_config.parallelism",
    () => {
      fc.assert(
        fc.property(scenarioArb, fc.boolean(), (s, rebalance) => {
          const { desired, observed } = scenario(s, rebalance);
          const { placement, plan: p } = pass(desired, observed);
          const up = new Set(observed.hosts.filter((h) => h.state === "up").map((h) => h.name));
          const healthySlots = (cluster: ObservedCluster, service: string): number => {
            const slots = placement.services.get(service)?.slots ?? new Map<string, string>();
            const healthy = new Set<string>();
            for (const r of cluster.replicas) {
              if (r.service === service && slots.has(r.slot) && up.has(r.host) && isHealthy(r))
                healthy.add(r.slot);
            }
            return healthy.size;
          };
          const floors = new Map<string, number>();
          for (const spec of desired.services) {
            const parallelism = spec.deploy.updateConfig.parallelism;
            if (parallelism === 0) continue; // all at once: no floor
            const assigned = placement.services.get(spec.name)?.slots.size ?? 0;
            floors.set(spec.name, Math.min(healthySlots(observed, spec.name), assigned) - parallelism);
          }
          simulate(desired, p, observed, {
            onStep: (cluster) => {
              for (const [service, floor] of floors)
                expect(healthySlots(cluster, service)).toBeGreaterThanOrEqual(floor);
            },
          });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "rolls a healthy service over to a new spec never below replicas - parallelism",
    () => {
      const arb = fc.record({
        hosts: fc.integer({ min: 1, max: 5 }),
        draining: fc.integer({ min: 0, max: 31 }),
        replicas: fc.integer({ min: 1, max: 9 }),
        parallelism: fc.integer({ min: 1, max: 4 }),
        order: fc.constantFrom("stop-first", "start-first") as fc.Arbitrary<"stop-first" | "start-first">,
        healthcheck: fc.boolean(),
      });
      fc.assert(
        fc.property(arb, (a) => {
          const hosts = Array.from({ length: a.hosts + 1 }, (_, i) =>
            host(`h${i}`, { drain: i < a.hosts && ((a.draining >> i) & 1) === 1 }),
          );
          const o = { replicas: a.replicas, healthcheck: a.healthcheck };
          const oldSpec = service("api", { ...o, specHash: "old00000" });
          const before = desiredState(
            hosts.map((h) => host(h.spec.name)),
            [oldSpec],
          );
          const running = convergedReplicas(before, schedule(before, observedCluster(hosts, [])));
          const spec = service("api", {
            ...o,
            specHash: "new00000",
            update: { parallelism: a.parallelism, order: a.order },
          });
          const desired = desiredState(hosts, [spec]);
          const observed = observedCluster(hosts, running);
          const p = plan(desired, schedule(desired, observed), observed);
          const healthy = (c: ObservedCluster): number =>
            new Set(c.replicas.filter((r) => isHealthy(r)).map((r) => r.slot)).size;
          expect(healthy(observed)).toBe(a.replicas);
          const after = simulate(desired, p, observed, {
            onStep: (c) => expect(healthy(c)).toBeGreaterThanOrEqual(a.replicas - a.parallelism),
          });
          expect(after.replicas.map((r) => r.specHash)).toEqual(Array(a.replicas).fill("new00000"));
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "gives every step and task a reason",
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const { desired, observed } = scenario(s);
          for (const r of pass(desired, observed).plan.rollouts) {
            expect(r.reason).not.toBe("");
            for (const b of r.batches) {
              expect(b.reason).not.toBe("");
              for (const t of b.tasks) {
                expect(t.reason).not.toBe("");
                for (const step of [...t.steps, ...t.undo]) expect(step.reason).not.toBe("");
              }
            }
            for (const step of [...r.prepare, ...r.cleanup]) expect(step.reason).not.toBe("");
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );
});
