// Runs every bench/*.bench.ts (or those whose name contains an argument:
// `npm run bench -- planner`) one after the other and rewrites
// bench/RESULTS.md: date, machine, then one section per benchmark, each with
// its own date and load average. Sections of benchmarks not run this time are
// kept as they were in the previous file, so a partial run never loses
// results. A benchmark whose prerequisites are missing (say, the Docker test
// bed) gets a clear "skipped" line instead.

import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchContext, type BenchSection, loadAverage, machine } from "./harness.js";

type BenchFn = (ctx: BenchContext) => Promise<string | BenchSection | void>;

interface BenchModule {
  readonly run?: BenchFn;
  readonly default?: BenchFn;
  readonly prerequisites?: () => Promise<string | undefined>;
}

interface Outcome {
  readonly name: string;
  readonly markdown: string;
  readonly failed: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, "RESULTS.md");

async function runOne(file: string, stamp: string): Promise<Outcome> {
  const name = path.basename(file, ".bench.ts");
  const ctx: BenchContext = { log: (line) => process.stderr.write(`[${name}] ${line}\n`) };
  const started = performance.now();
  // Per section: sections from earlier partial runs keep their own date and load.
  const load = loadAverage();
  try {
    const mod = (await import(pathToFileURL(file).href)) as BenchModule;
    const fn = mod.run ?? mod.default;
    if (fn === undefined) throw new Error("exports neither run() nor a default function");
    const missing = mod.prerequisites === undefined ? undefined : await mod.prerequisites();
    if (missing !== undefined) return { name, markdown: skipped(name, missing), failed: false };
    ctx.log("running");
    const result = await fn(ctx);
    ctx.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const markdown =
      typeof result === "string"
        ? result
        : result === undefined
          ? `## ${name}\n\n(printed its own output)\n`
          : `## ${result.title}\n\n${result.markdown}`;
    return {
      name,
      markdown: `${markdown.trimEnd()}\n\n_Measured ${stamp}, load average at start ${load}._\n`,
      failed: false,
    };
  } catch (err: unknown) {
    if (err instanceof Error && (err as { code?: unknown }).code === "bench-skipped") {
      return { name, markdown: skipped(name, err.message), failed: false };
    }
    ctx.log(`failed: ${String(err)}`);
    return {
      name,
      markdown: `## ${name}\n\nFailed: ${err instanceof Error ? err.message : String(err)}\n`,
      failed: true,
    };
  }
}

function skipped(name: string, why: string): string {
  return `## ${name}\n\nSkipped: ${why}\n`;
}

/** Previous sections by bench name, from the markers this script writes. */
async function previousSections(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await readFile(RESULTS, "utf8").catch(() => "");
  const re = /<!-- bench:([\w.-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g;
  for (const m of text.matchAll(re)) out.set(m[1] ?? "", m[2] ?? "");
  return out;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = (await readdir(here))
    .filter((f) => f.endsWith(".bench.ts"))
    .sort()
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  const sections = await previousSections();
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  let failed = false;
  for (const f of files) {
    const o = await runOne(path.join(here, f), now);
    sections.set(o.name, o.markdown);
    failed ||= o.failed;
  }
  const body = [...sections.keys()]
    .sort()
    .map((name) => `<!-- bench:${name} -->\n${sections.get(name) ?? ""}<!-- /bench:${name} -->`)
    .join("\n\n");
  const doc = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench\` on ${now}${filters.length > 0 ? ` (this run: ${files.join(", ")})` : ""}.`,
    "",
    `Machine: ${machine(false)}.`,
    "",
    "Medians over several runs, with the spread; each section says what is compared and how.",
    "",
    body,
    "",
  ].join("\n");
  await writeFile(RESULTS, doc);
  process.stderr.write(`wrote ${path.relative(process.cwd(), RESULTS)}\n`);
  if (failed) process.exitCode = 1;
}

await main();
