// Fuzz inputs for the spec loader (issue 12): sample-repo's real files,
// mutated the ways a hostile or careless commit would (byte flips,
// truncation, repeated keys, huge numbers, deep nesting, alias bombs,
// binary blobs), plus YAML built from random tokens. Shared by the unit
// fuzz test (loadSpec on the main thread) and the integration one (the
// operator's worker-thread loader).

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import type { RepoFile, SpecError } from "../../src/model/spec.js";

const SAMPLE = path.resolve(import.meta.dirname, "../../sample-repo");

/** sample-repo's spec files as the loader reads them (path → text). */
export function sampleFiles(): Map<string, string> {
  const files = new Map<string, string>([
    ["cluster.yaml", readFileSync(path.join(SAMPLE, "cluster.yaml"), "utf8")],
  ]);
  for (const name of readdirSync(path.join(SAMPLE, "services")).sort()) {
    files.set(`services/${name}`, readFileSync(path.join(SAMPLE, "services", name), "utf8"));
  }
  return files;
}

/** The seed: FUZZ_SEED reproduces a failure (fast-check prints seed and path when a property fails). */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  return given === undefined ? 0x12_b0_0d : Number(given);
}

const encoder = new TextEncoder();

export type Mutation = (text: string) => RepoFile;

const HUGE_NUMBERS = [
  "1e9",
  "1e309",
  "-1e309",
  "9007199254740993",
  "123456789012345678901234567890",
  ".inf",
  "-.nan",
  "0x7fffffffffffffffff",
  "0o777777777777777777777",
  "-0",
  "1".repeat(5000),
  "2147483648",
];

/** Random bytes (often not UTF-8), possibly with a NUL or a BOM in front. */
const binaryBlob = fc.uint8Array({ minLength: 0, maxLength: 4096 });

/** One mutation of a file, drawn with its parameters. */
export const fileMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .record({ at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }), count: fc.integer({ min: 1, max: 8 }) })
    .map(({ at, bits, count }): Mutation => (text) => {
      const bytes = encoder.encode(text);
      for (let i = 0; i < count && bytes.length > 0; i++) {
        const k = (at + i * 7919) % bytes.length;
        bytes[k] = (bytes[k] ?? 0) ^ bits;
      }
      return bytes;
    }),
  fc.nat().map(
    (at): Mutation =>
      (text) =>
        text.slice(0, at % (text.length + 1)),
  ),
  fc
    .record({ line: fc.nat(), times: fc.integer({ min: 1, max: 2000 }) })
    .map(({ line, times }): Mutation => (text) => {
      // A line repeated (duplicate keys, many of them).
      const all = text.split("\n");
      const k = line % all.length;
      all.splice(k, 0, ...Array<string>(times).fill(all[k] ?? "x: 1"));
      return all.join("\n");
    }),
  fc
    .record({ n: fc.constantFrom(...HUGE_NUMBERS), which: fc.nat() })
    .map(({ n, which }): Mutation => (text) => {
      let i = 0;
      const target = which % Math.max(1, (text.match(/\d+/g) ?? []).length);
      return text.replace(/\d+/g, (m) => (i++ === target ? n : m));
    }),
  fc
    .record({ depth: fc.integer({ min: 10, max: 50_000 }), flow: fc.boolean() })
    .map(({ depth, flow }): Mutation => (text) => {
      // Nesting deep enough to pass the limit (64) or to exhaust a recursive parser's stack.
      const nest = flow
        ? `deep: ${"[".repeat(depth)}1${"]".repeat(depth)}`
        : `deep:\n${Array.from({ length: Math.min(depth, 2000) }, (_, i) => `${" ".repeat(i + 1)}k:`).join("\n")} 1`;
      return `${text}\n${nest}\n`;
    }),
  fc.record({ levels: fc.integer({ min: 2, max: 12 }), width: fc.integer({ min: 2, max: 12 }) }).map(
    ({ levels, width }): Mutation =>
      (text) =>
        `${aliasBomb(levels, width)}${text}`,
  ),
  binaryBlob.map(
    (blob): Mutation =>
      () =>
        blob,
  ),
  fc.record({ blob: binaryBlob, at: fc.nat() }).map(({ blob, at }): Mutation => (text) => {
    const bytes = encoder.encode(text);
    const k = at % (bytes.length + 1);
    const out = new Uint8Array(bytes.length + blob.length);
    out.set(bytes.subarray(0, k), 0);
    out.set(blob, k);
    out.set(bytes.subarray(k), k + blob.length);
    return out;
  }),
);

/** "Billion laughs": each level lists the previous one `width` times. */
export function aliasBomb(levels: number, width: number): string {
  const out = [`l0: &l0 [${Array<string>(width).fill('"lol"').join(",")}]`];
  for (let i = 1; i < levels; i++)
    out.push(
      `l${i}: &l${i} [${Array<string>(width)
        .fill(`*l${i - 1}`)
        .join(",")}]`,
    );
  return `${out.join("\n")}\n`;
}

const TOKENS = [
  "kind: Service",
  "kind: Cluster",
  "name: x",
  "image: busybox",
  "replicas:",
  "deploy:",
  "  ",
  "- ",
  ": ",
  "\n",
  "&a ",
  "*a",
  "<<: *a",
  "{",
  "}",
  "[",
  "]",
  ",",
  "'",
  '"',
  "---\n",
  "...\n",
  "!!binary ",
  "!tag ",
  "? ",
  "|\n",
  ">-\n",
  "#",
  "%YAML 1.1\n",
  "1e9",
  "9007199254740993",
  "null",
  "~",
  "\t",
  "\u0000",
  "\uFEFF",
];

/** YAML-looking text from random tokens and characters. */
const randomYaml = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 200 })
  .map((parts) => parts.join(""));

/** A commit's files: sample-repo with one to three files mutated or replaced by random YAML. */
export const fuzzCommit: fc.Arbitrary<Map<string, RepoFile>> = fc
  .array(
    fc.record({
      file: fc.nat(),
      change: fc.oneof(
        { weight: 4, arbitrary: fileMutation },
        {
          weight: 1,
          arbitrary: randomYaml.map(
            (t): Mutation =>
              () =>
                t,
          ),
        },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((changes) => {
    const files: Map<string, RepoFile> = sampleFiles();
    const paths = [...files.keys()];
    for (const { file, change } of changes) {
      const p = paths[file % paths.length] ?? "cluster.yaml";
      const before = files.get(p);
      files.set(p, change(typeof before === "string" ? before : ""));
    }
    return files;
  });

/** What every error must carry: a stable code, a path, a position. */
export function malformedErrors(errors: readonly SpecError[]): SpecError[] {
  return errors.filter(
    (e) =>
      typeof e.code !== "string" ||
      !/^[a-z][a-z0-9-]*$/.test(e.code) ||
      typeof e.path !== "string" ||
      typeof e.message !== "string" ||
      e.message.length === 0 ||
      !Number.isInteger(e.line) ||
      e.line < 0 ||
      !Number.isInteger(e.col) ||
      e.col < 0,
  );
}
