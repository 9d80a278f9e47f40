// depends_on across the repository: every name must be a service, and the
// graph must have no cycle (a cycle could never start). Each cycle is
// reported once, named in full, at the edge that leaves its first service.

import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";
import { didYouMean } from "./suggest.js";

/** `known`: every service name in the repository, including those of documents with schema errors. */
export function checkDependsOn(
  services: readonly LoadedService[],
  known: ReadonlySet<string>,
  problems: Problems,
): void {
  const byName = new Map(services.map((s) => [s.spec.name, s]));
  const names = [...byName.keys()];
  const edges = new Map<string, string[]>();
  for (const s of services) {
    const targets: string[] = [];
    for (const [dep, at] of s.dependsOnAt) {
      if (byName.has(dep)) targets.push(dep);
      if (known.has(dep)) continue;
      const close = didYouMean(dep, [...known]);
      const hint = close !== undefined ? `: did you mean "${close}"?` : "";
      problems.add(
        at,
        "depends-on-unknown",
        `depends_on names "${dep}", which is not a service in this repository${hint}`,
      );
    }
    edges.set(s.spec.name, targets.sort());
  }
  for (const component of stronglyConnected(names.sort(), edges)) {
    const start = [...component].sort()[0];
    if (start === undefined) continue;
    const selfLoop = edges.get(start)?.includes(start) ?? false;
    if (component.size === 1 && !selfLoop) continue;
    const cycle = cycleFrom(start, component, edges);
    const next = cycle[1] ?? start;
    const at = byName.get(start)?.dependsOnAt.get(next);
    if (at) problems.add(at, "depends-on-cycle", `depends_on forms a cycle: ${cycle.join(" → ")}`);
  }
}

/** A path start → … → start inside one strongly connected component, following edges in name order. */
function cycleFrom(
  start: string,
  component: ReadonlySet<string>,
  edges: ReadonlyMap<string, string[]>,
): string[] {
  const path = [start];
  const visited = new Set<string>();
  const walk = (node: string): boolean => {
    for (const next of edges.get(node) ?? []) {
      if (next === start) {
        path.push(start);
        return true;
      }
      if (!component.has(next) || visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return path;
}

/** Tarjan's algorithm; components come out in a deterministic order for sorted input. */
function stronglyConnected(nodes: readonly string[], edges: ReadonlyMap<string, string[]>): Set<string>[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: Set<string>[] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = new Set<string>();
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.add(w);
      } while (w !== v);
      out.push(component);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}
