// Small builders for spec tests: YAML written line by line (so expected
// line:col values can be read straight off the test), and loaders that
// fail loudly with every error when a test expected the other outcome.

import { expect } from "vitest";
import { BASELINE_CEILING, type Ceiling } from "../../../src/model/ceiling.js";
import type { DesiredState, LoadResult, SpecError } from "../../../src/model/spec.js";
import { formatSpecError, loadSpec } from "../../../src/spec/index.js";

export function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

/** Two hosts in zones a and b; no capacity declared. */
export const CLUSTER = lines(
  "kind: Cluster", // 1
  "name: test", // 2
  "hosts:", // 3
  "  - name: h1", // 4
  "    docker: unix:///var/run/docker.sock", // 5
  "    address: 10.0.0.1", // 6
  "    labels: {zone: a}", // 7
  "  - name: h2", // 8
  "    docker: tcp://10.0.0.2:2376", // 9
  "    address: 10.0.0.2", // 10
  "    labels: {zone: b}", // 11
);

export type Files = Record<string, string | Uint8Array>;

/** Loads under the ceiling given (default: the baseline profile, as with no operator configuration). */
export function load(files: Files, ceiling: Ceiling = BASELINE_CEILING): LoadResult {
  return loadSpec(new Map(Object.entries(files)), { ceiling });
}

/** The baseline ceiling with some settings changed, as an operator configuration would. */
export function ceilingWith(changes: Partial<Ceiling>): Ceiling {
  return { ...BASELINE_CEILING, ...changes };
}

/** Services plus the default two-host cluster. */
export function repo(services: Files, cluster: string = CLUSTER): Files {
  return { "cluster.yaml": cluster, ...services };
}

export function errorsOf(files: Files, ceiling?: Ceiling): SpecError[] {
  const r = load(files, ceiling);
  if (r.ok) throw new Error("expected the repository to be rejected, but it loaded");
  return [...r.errors];
}

export function stateOf(files: Files, ceiling?: Ceiling): DesiredState {
  const r = load(files, ceiling);
  if (!r.ok) throw new Error(`expected a valid repository:\n${r.errors.map(formatSpecError).join("\n")}`);
  return r.state;
}

/** The only error, checked to be at path:line:col with the code. */
export function expectOnlyError(files: Files, where: string, code: string, ceiling?: Ceiling): SpecError {
  const errors = errorsOf(files, ceiling);
  expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([`${where} ${code}`]);
  return errors[0] as SpecError;
}

/** A minimal valid service document. */
export function service(name: string, ...more: string[]): string {
  return lines("kind: Service", `name: ${name}`, "image: busybox", ...more);
}
