// Properties of schedule() over random clusters, specs and observed states.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ObservedCluster } from "../../../src/model/observed.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { schedule, scheduleIncremental } from "../../../src/schedule/index.js";
import { constraintHolds } from "../../../src/schedule/constraints.js";
import { indexHosts } from "../../../src/schedule/hosts.js";
import type { Placement } from "../../../src/schedule/types.js";
import {
  buildDesired,
  buildHosts,
  buildScenario,
  propertyBudget,
  scenarioArb,
  shapeArb,
} from "../../support/arbitraries.js";
import { desiredState, GiB, host, observedCluster, service } from "../../support/fixtures.js";
import { convergedReplicas } from "../../support/placement.js";

const { runs: RUNS, timeout: TIMEOUT } = propertyBudget(250, 60_000);
const scenario = buildScenario;

function plain(p: Placement) {
  return [...p.services.values()].map((sp) => ({ ...sp, slots: [...sp.slots] }));
}

function assignments(d: DesiredState, p: Placement) {
  return d.services.flatMap((spec) =>
    [...(p.services.get(spec.name)?.slots ?? [])].map(([slot, host]) => ({ spec, slot, host })),
  );
}

describe("schedule properties", () => {
  it(
    "never exceeds a host's capacity",
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const { desired, observed } = scenario(s);
          const p = schedule(desired, observed);
          const used = new Map<string, { cpu: number; mem: number }>();
          for (const a of assignments(desired, p)) {
            const u = used.get(a.host) ?? { cpu: 0, mem: 0 };
            u.cpu += a.spec.deploy.reservations.nanoCpus;
            u.mem += a.spec.deploy.reservations.memoryBytes;
            used.set(a.host, u);
          }
          for (const h of observed.hosts) {
            const u = used.get(h.name);
            if (u === undefined) continue;
            expect(u.cpu).toBeLessThanOrEqual(h.capacity.nanoCpus);
            expect(u.mem).toBeLessThanOrEqual(h.capacity.memoryBytes);
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "keeps every constraint, max_replicas_per_node and host port, and nothing on a down or draining host",
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const { desired, observed } = scenario(s);
          const p = schedule(desired, observed);
          const hosts = indexHosts(desired.cluster, observed.hosts);
          const perHost = new Map<string, number>();
          const ports = new Set<string>();
          for (const a of assignments(desired, p)) {
            const h = hosts.byName.get(a.host);
            expect(h).toBeDefined();
            if (h === undefined) continue;
            expect(h.evict).toBeUndefined(); // not down, not draining, in the cluster
            for (const c of a.spec.deploy.placement.constraints) expect(constraintHolds(h, c)).toBe(true);
            const key = `${a.spec.name}@${a.host}`;
            perHost.set(key, (perHost.get(key) ?? 0) + 1);
            const max = a.spec.deploy.placement.maxReplicasPerNode;
            if (max > 0) expect(perHost.get(key)).toBeLessThanOrEqual(max);
            for (const port of a.spec.ports) {
              if (port.mode !== "host") continue;
              const pk = `${a.host}:${port.published}/${port.protocol}`;
              expect(ports.has(pk)).toBe(false);
              ports.add(pk);
            }
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "gives the same output for the same input, whatever the order of hosts and containers",
    () => {
      fc.assert(
        fc.property(scenarioArb, fc.nat(), (s, seed) => {
          const { desired, observed } = scenario(s);
          const shuffled: ObservedCluster = {
            hosts: rotate(observed.hosts, seed),
            replicas: rotate([...observed.replicas].reverse(), seed),
          };
          expect(plain(schedule(desired, shuffled))).toEqual(plain(schedule(desired, observed)));
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "spreads each service with skew at most 1 when nothing else constrains it",
    () => {
      const arb = fc.record({
        hosts: fc.integer({ min: 1, max: 9 }),
        services: fc.array(
          fc.record({ replicas: fc.integer({ min: 0, max: 30 }), memGiB: fc.constantFrom(0, 0.5, 1) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
      });
      fc.assert(
        fc.property(arb, (a) => {
          const hosts = Array.from({ length: a.hosts }, (_, i) => host(`h${i}`, { memory: 1000 * GiB }));
          const d = desiredState(
            hosts,
            a.services.map((s, i) => service(`s${i}`, { replicas: s.replicas, memory: s.memGiB * GiB })),
          );
          const p = schedule(d, observedCluster(hosts, []));
          for (const spec of d.services) {
            const counts = hosts.map(
              (h) =>
                [...(p.services.get(spec.name)?.slots.values() ?? [])].filter((x) => x === h.spec.name)
                  .length,
            );
            expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "moves nothing when an empty host joins (without rebalancing)",
    () => {
      fc.assert(
        fc.property(shapeArb, (shape) => {
          const desired = buildDesired(shape);
          const hosts = buildHosts(shape);
          const first = schedule(desired, observedCluster(hosts, []));
          const running = convergedReplicas(desired, first);
          const joined = [...hosts, host("zz-new", { cpus: 64, memory: 256 * GiB })];
          const d2 = desiredState(joined, desired.services);
          const second = schedule(d2, observedCluster(joined, running));
          for (const spec of desired.services) {
            const before = first.services.get(spec.name)?.slots ?? new Map<string, string>();
            const after = second.services.get(spec.name)?.slots ?? new Map<string, string>();
            for (const [slot, h] of before) expect(after.get(slot)).toBe(h);
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    "scheduleIncremental agrees with schedule when one service changes",
    () => {
      const change = fc.record({
        which: fc.nat(),
        replicas: fc.integer({ min: 0, max: 8 }),
        newHash: fc.boolean(),
        dropConstraints: fc.boolean(),
      });
      fc.assert(
        fc.property(shapeArb, change, (shape, c) => {
          // Ample capacity: the two may legitimately differ only under capacity contention.
          const roomy = { ...shape, hosts: shape.hosts.map((h) => ({ ...h, cpus: 64, memGiB: 512 })) };
          // Small services pad the cluster so that one change stays under the full-pass threshold.
          const base = buildDesired(roomy);
          const pads = Array.from({ length: 12 }, (_, k) => service(`zz-pad-${k}`, { replicas: 2 }));
          const desired = { ...base, services: [...base.services, ...pads] };
          const hosts = buildHosts(roomy);
          const obs0 = observedCluster(hosts, []);
          const running = observedCluster(hosts, convergedReplicas(desired, schedule(desired, obs0)));
          const state = scheduleIncremental(undefined, desired, running);
          expect(plain(state.placement)).toEqual(plain(schedule(desired, running)));
          const i = c.which % desired.services.length;
          const services = desired.services.map((s, k) =>
            k !== i
              ? s
              : {
                  ...s,
                  specHash: c.newHash ? `${s.specHash}-2` : s.specHash,
                  deploy: {
                    ...s.deploy,
                    replicas: c.replicas,
                    placement: c.dropConstraints
                      ? { ...s.deploy.placement, constraints: [] }
                      : s.deploy.placement,
                  },
                },
          );
          const d2 = { ...desired, services };
          const next = scheduleIncremental(state, d2, running);
          expect(plain(next.placement)).toEqual(plain(schedule(d2, running)));
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );
});

function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
