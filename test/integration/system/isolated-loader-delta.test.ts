// The worker sends a service unchanged since its last reply as its name alone
// (isolated-loader.ts, spec-worker.ts): across a run of commits (one spec
// changed, services added, renamed and removed, cluster.yaml changed, a
// rejected commit in between, the worker replaced), every state the host
// rebuilds is exactly what a fresh load of the same files gives.

import { afterAll, describe, expect, it } from "vitest";
import { IsolatedSpecLoader } from "../../../src/adapters/system/isolated-loader.js";
import { loadSpec } from "../../../src/spec/index.js";
import { clusterYaml } from "../../support/git-fixtures.js";

function spec(name: string, version: number, port: number): string {
  return [
    "kind: Service",
    `name: ${name}`,
    `image: registry.example.com/${name}:1.${version}`,
    "ports:",
    `  - { target: 8080, published: ${port} }`,
    "deploy:",
    "  replicas: 1",
    "",
  ].join("\n");
}

const loader = new IsolatedSpecLoader({ timeoutMs: 60_000 });
afterAll(() => loader.close());

describe("isolated spec loader: unchanged services sent by name", () => {
  it("rebuilds every state exactly as a fresh load, across changes, a rejection and a new worker", async () => {
    const files = new Map<string, string>([["cluster.yaml", clusterYaml("delta")]]);
    const ids = new Map<string, string>([["cluster.yaml", "c0"]]);
    let blob = 0;
    const put = (path: string, text: string): void => {
      files.set(path, text);
      ids.set(path, `b${++blob}`);
    };
    const drop = (path: string): void => {
      files.delete(path);
      ids.delete(path);
    };
    for (let i = 0; i < 30; i++) put(`services/s${i}.yaml`, spec(`s${i}`, 0, 20_000 + i));
    const steps: Array<[string, () => void]> = [
      ["first load", () => undefined],
      ["one spec changed", () => put("services/s7.yaml", spec("s7", 1, 20_007))],
      ["another changed", () => put("services/s3.yaml", spec("s3", 2, 20_003))],
      ["a service added", () => put("services/t1.yaml", spec("t1", 0, 21_001))],
      ["a service renamed", () => put("services/s5.yaml", spec("r5", 0, 20_005))],
      ["a service removed", () => drop("services/s9.yaml")],
      ["a rejected commit (duplicate name)", () => put("services/s8.yaml", spec("s7", 0, 20_008))],
      ["back to valid", () => put("services/s8.yaml", spec("s8", 3, 20_008))],
      ["cluster.yaml changed", () => put("cluster.yaml", `${clusterYaml("delta")}# changed\n`)],
      ["one spec changed again", () => put("services/s1.yaml", spec("s1", 4, 20_001))],
    ];
    let rejected = 0;
    for (const [what, step] of steps) {
      step();
      const result = await loader.load(files, ids);
      expect(result, what).toEqual(loadSpec(files));
      if (!result.ok) rejected += 1;
    }
    expect(rejected).toBe(1);
    expect(loader.lastWork?.filesParsed).toBe(1); // the last load reused the rest

    // A new worker (the old one ended) starts with nothing sent: every service comes anew.
    await loader.close();
    put("services/s2.yaml", spec("s2", 5, 20_002));
    const fresh = await loader.load(files, ids);
    expect(fresh).toEqual(loadSpec(files));
    put("services/s4.yaml", spec("s4", 6, 20_004));
    expect(await loader.load(files, ids)).toEqual(loadSpec(files));
  });
});
