import { describe, expect, it } from "vitest";
import { planEdge, renderEdgePlan, splitEdgePlan } from "../../../src/edge/index.js";
import { splitBinds } from "./fixtures.js";

describe("one host's edge split between its ingress and names HAProxies", () => {
  const plan = planEdge(splitBinds());
  const { ingress, names } = splitEdgePlan(plan);

  it("gives the ingress edge only the ingress listeners and the backends they route to", () => {
    expect(ingress.listeners.length).toBeGreaterThan(0);
    for (const l of ingress.listeners) expect(l.routes.every((r) => r.kind === "ingress")).toBe(true);
    const routed = new Set(ingress.listeners.flatMap((l) => l.routes.map((r) => r.backend)));
    expect(new Set(ingress.backends.map((b) => b.name))).toEqual(routed);
  });

  it("gives the names edge every discovery listener, and no ingress listener", () => {
    const discovery = plan.listeners.filter((l) => l.routes.some((r) => r.kind === "discovery"));
    expect(names.listeners).toEqual(discovery);
    expect(names.listeners.some((l) => l.routes.some((r) => r.kind === "ingress"))).toBe(false);
    const text = renderEdgePlan(names);
    for (const l of ingress.listeners) expect(text).not.toContain(`frontend ${l.name}`);
  });

  it("loses no listener and no routed backend between the two", () => {
    expect([...ingress.listeners, ...names.listeners].map((l) => l.name).sort()).toEqual(
      plan.listeners.map((l) => l.name).sort(),
    );
    const both = new Set([...ingress.backends, ...names.backends].map((b) => b.name));
    for (const l of plan.listeners) for (const r of l.routes) expect(both.has(r.backend)).toBe(true);
  });
});
