// Issue 13, item 1: a load that reuses the previous commit's parsed and
// normalised documents (SpecLoadCache, keyed by blob id) answers exactly what
// a fresh load of the same files answers: same state, same warnings, same
// errors in the same order with the same positions (the too-many-errors cut
// included). Random edit sequences from sample-repo plus generated services:
// fuzz mutations, renames onto another service's name, port collisions,
// unknown dependencies, cluster defaults changed, stacks with declared and
// undeclared volumes, files added, copied, removed and restored. Fixed seed; FUZZ_SEED replays a failure.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RepoFile } from "../../../src/model/spec.js";
import { loadSpec, loadSpecCached, SpecLoadCache } from "../../../src/spec/index.js";
import { fileMutation, fuzzSeed, type Mutation, sampleFiles } from "../../support/spec-fuzz.js";

/** Git's blob id of a file's content (what the Git reader hands the loader). */
function blobId(content: RepoFile): string {
  const bytes = typeof content === "string" ? Buffer.from(content) : Buffer.from(content as Uint8Array);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function generated(i: number): string {
  return [
    "kind: Service",
    `name: gen${i}`,
    "image: busybox:1.36",
    `command: ["sleep", "${1000 + i}"]`,
    "ports:",
    `  - { target: 80, published: ${20_000 + i} }`,
    ...(i > 0 ? [`depends_on: [gen${i - 1}]`] : []),
    "deploy:",
    `  replicas: ${1 + (i % 3)}`,
    "  resources: { limits: { memory: 32M } }",
    "",
  ].join("\n");
}

function startingCommit(): Map<string, RepoFile> {
  const files: Map<string, RepoFile> = sampleFiles();
  for (let i = 0; i < 12; i++) files.set(`services/gen/gen${i}.yaml`, generated(i));
  return files;
}

type Edit = (files: Map<string, RepoFile>) => void;

const asText = (c: RepoFile | undefined): string => (typeof c === "string" ? c : "");
const pick = (files: Map<string, RepoFile>, n: number): string => {
  const paths = [...files.keys()].sort();
  return paths[n % paths.length] ?? "cluster.yaml";
};
const replaceIn =
  (from: RegExp, to: string): ((text: string) => string) =>
  (text) =>
    text.replace(from, to);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  // A fuzz mutation of one file (byte flips, truncation, repeated keys, alias bombs, binary, ...).
  fc.record({ n: fc.nat(), m: fileMutation }).map(({ n, m }): Edit => (files) => {
    const p = pick(files, n);
    files.set(p, (m as Mutation)(asText(files.get(p))));
  }),
  // Meaningful edits that the cross-document rules see.
  fc
    .record({
      n: fc.nat(),
      k: fc.nat(20),
      how: fc.constantFrom(
        (k: number) => replaceIn(/^name: .*$/m, `name: gen${k}`), // duplicate-service
        (k: number) => replaceIn(/published: \d+/, `published: ${20_000 + k}`), // port-conflict
        (k: number) => replaceIn(/depends_on: \[.*\]/, `depends_on: [missing${k}]`),
        (k: number) => replaceIn(/replicas: \d+/, `replicas: ${k * 700}`), // ceiling, placement
        (k: number) => replaceIn(/image: .*/, `image: ""${k}`),
        (k: number) => replaceIn(/^kind: Service$/m, k % 2 ? "kind: Cluster" : "kind: Servce"),
        () => (text: string) => `${text}\n---\n${text}`, // a second document, same name
      ),
    })
    .map(({ n, k, how }): Edit => (files) => {
      const p = pick(files, n);
      files.set(p, how(k)(asText(files.get(p))));
    }),
  // cluster.yaml's defaults and hosts (every service is normalised under them).
  fc
    .constantFrom(
      replaceIn(/order: start-first/, "order: stop-first"),
      replaceIn(/delay: 2s/, "delay: 2 parsecs"),
      replaceIn(/memory: 2G/, "memory: 64M"),
      replaceIn(/failure_action: rollback/, "failure_action: pause"),
      (t: string) => `# a comment moves every position\n${t}`,
    )
    .map((f): Edit => (files) => {
      files.set("cluster.yaml", f(asText(files.get("cluster.yaml"))));
    }),
  // Files added, copied (under another path), removed, restored.
  fc.nat().map((n): Edit => (files) => {
    files.set(`services/extra${n % 5}.yaml`, generated(100 + (n % 7)));
  }),
  fc.nat().map((n): Edit => (files) => {
    const p = pick(files, n);
    const content = files.get(p);
    if (content !== undefined) files.set(`services/copy/${n % 3}.yaml`, content);
  }),
  fc.nat().map((n): Edit => (files) => {
    files.delete(pick(files, n));
  }),
  fc.nat().map((n): Edit => (files) => {
    const original = startingCommit();
    const p = [...original.keys()].sort()[n % original.size] ?? "cluster.yaml";
    files.set(p, original.get(p) ?? "");
  }),
  // A stack (Compose file): its services are views into it, its volumes named per stack.
  fc
    .record({ k: fc.nat(3), vol: fc.constantFrom("data", "undeclared", "dta") })
    .map(({ k, vol }): Edit => (files) => {
      files.set(
        `stacks/shop${k}/compose.yaml`,
        [
          "services:",
          "  db:",
          "    image: postgres:16",
          `    volumes: ["${vol}:/var/lib/postgresql/data"]`,
          "  app:",
          "    image: busybox:1.36",
          "    depends_on: [db]",
          `    ports: ["${21_000 + k}:80"]`,
          "volumes:",
          "  data: {}",
          "",
        ].join("\n"),
      );
    }),
  // Many broken files at once: past the 500 problems kept (the too-many-errors cut follows order).
  fc.constant<Edit>((files) => {
    for (let i = 0; i < 60; i++)
      files.set(`services/broken/b${i}.yaml`, `kind: Service\nname: b${i}\nimage: 1\nports: [x, y, z]\n`);
  }),
);

describe("spec load cache", () => {
  it("answers exactly as a fresh load over random edit sequences (state, warnings, errors and positions)", () => {
    let loads = 0;
    let reused = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        const cache = new SpecLoadCache();
        const files = startingCommit();
        for (const step of [() => undefined, ...edits]) {
          step(files);
          const ids = new Map([...files].map(([p, c]) => [p, blobId(c)]));
          const cached = loadSpecCached(files, {}, cache, ids);
          loads++;
          if (cache.stats.filesParsed < files.size) reused++;
          expect(cached).toEqual(loadSpec(files));
        }
      }),
      { seed: fuzzSeed(), numRuns: 30 },
    );
    // The cache was actually used: most loads parsed only some of the files.
    expect(reused).toBeGreaterThan(loads / 2);
  }, 300_000);

  it("parses only the file that changed and normalises only its documents", () => {
    const cache = new SpecLoadCache();
    const files = startingCommit();
    const ids = (): Map<string, string> => new Map([...files].map(([p, c]) => [p, blobId(c)]));
    expect(loadSpecCached(files, {}, cache, ids()).ok).toBe(true);
    expect(cache.stats).toEqual({ filesParsed: files.size, servicesNormalised: files.size - 1 });
    files.set("services/gen/gen3.yaml", generated(3).replace("replicas: 1", "replicas: 2"));
    expect(loadSpecCached(files, {}, cache, ids()).ok).toBe(true);
    expect(cache.stats).toEqual({ filesParsed: 1, servicesNormalised: 1 });
    // cluster.yaml changed: one parse, but every service is normalised again under its defaults.
    files.set("cluster.yaml", `# moved\n${asText(files.get("cluster.yaml"))}`);
    const result = loadSpecCached(files, {}, cache, ids());
    expect(result).toEqual(loadSpec(files));
    expect(cache.stats).toEqual({ filesParsed: 1, servicesNormalised: files.size - 1 });
  });

  it("drops what it cached under other options (ceiling, limits)", () => {
    const cache = new SpecLoadCache();
    const files = startingCommit();
    loadSpecCached(files, {}, cache);
    const strict = {
      limits: { maxFileBytes: 200, maxCommitBytes: 1 << 20, maxDepth: 64, maxAliasCount: 100 },
    };
    expect(loadSpecCached(files, strict, cache)).toEqual(loadSpec(files, strict));
  });
});
