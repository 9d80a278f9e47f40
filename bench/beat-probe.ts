// Probe (not a bench: run-all does not run it): the steady heartbeat's CPU at
// N simulated hosts, without the fleet-scale bench's deploy. The real operator
// (SimFleet) runs one service of one replica, so its passes are tiny; after a
// settle it waits for a poll's pass, then measures idle windows of W seconds
// (no pass in them: the poll is once a minute), each as % of a core (user,
// system), passes and GC (count/pause ms) in it. For A/B comparisons of the
// beat's cost run two side by side (same machine noise in the same windows).
// Usage: npx tsx bench/beat-probe.ts HOSTS WINDOW_S WINDOWS [SERVICES REPLICAS]; PROBE_ALLOC=1
// writes the first window's allocation profile (all that was allocated),
// =kept what of it was still in the heap at its end; PROBE_CPU=1 its CPU
// profile (into the temporary directory; the file is named on stderr).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PerformanceObserver } from "node:perf_hooks";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import pino from "pino";
import { SimFleet } from "../test/support/sim-docker/fleet.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const hosts = Number(process.argv[2] ?? 300);
const windowS = Number(process.argv[3] ?? 20);
const windows = Number(process.argv[4] ?? 3);
/** As the fleet-scale bench runs it: 10 services of one replica per host ("10 300"); default one replica. */
const services = Number(process.argv[5] ?? 1);
const replicasPerService = Number(process.argv[6] ?? 1);
const child = spawn(
  process.execPath,
  ["--import", "tsx", path.join(here, "sim-docker-main.ts"), String(hosts)],
  {
    stdio: ["pipe", "pipe", "inherit"],
  },
);
const lines = createInterface({ input: child.stdout });
const endpoints = await new Promise<string[]>((resolve) =>
  lines.once("line", (l) => resolve((JSON.parse(l) as { endpoints: string[] }).endpoints)),
);
const fleet = await SimFleet.create({
  endpoints,
  services,
  replicasPerService,
  hostDownAfter: "10s",
  logger: pino({ level: "error" }),
});
let passes = 0;
let converged: () => void;
const done = new Promise<void>((r) => (converged = r));
fleet.operator.onPass((o) => {
  passes++;
  if (o.converged) converged();
});
await fleet.operator.start();
await done;
await new Promise((r) => setTimeout(r, 20_000));
// Right after a poll's pass: the windows then hold none (the poll is once a minute).
await new Promise<void>((resolve) => {
  const off = fleet.operator.onPass(() => {
    off();
    resolve();
  });
});
await new Promise((r) => setTimeout(r, 2_000));
const out: string[] = [];
let gcs = 0;
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcs++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ["gc"] });
const session = new Session();
session.connect();
const post = (m: string, p?: object): Promise<unknown> =>
  new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
// PROBE_ALLOC=1: all that the first window allocates; =kept: what of it is still in the heap at its end
// (survived the scavenges: promoted, alive or old garbage awaiting a full collection).
if (process.env["PROBE_ALLOC"] !== undefined) {
  const all = process.env["PROBE_ALLOC"] === "1";
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", {
    samplingInterval: all ? 4096 : 1024,
    includeObjectsCollectedByMajorGC: all,
    includeObjectsCollectedByMinorGC: all,
  });
}
for (let w = 0; w < windows; w++) {
  if (w === 0 && process.env["PROBE_CPU"] === "1") {
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: 200 });
    await post("Profiler.start");
  }
  const p0 = passes;
  const g0 = gcs;
  const gm0 = gcMs;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const pct = ((c.user + c.system) / 1000 / wall) * 100;
  out.push(
    `${pct.toFixed(2)}%(u${((c.user / 1000 / wall) * 100).toFixed(2)} s${((c.system / 1000 / wall) * 100).toFixed(2)} p${passes - p0} gc${gcs - g0}/${(gcMs - gm0).toFixed(0)}ms)`,
  );
  if (w === 0 && process.env["PROBE_CPU"] === "1") {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    const file = path.join(os.tmpdir(), `beat-probe-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`CPU profile: ${file}\n`);
  }
  if (w === 0 && process.env["PROBE_ALLOC"] !== undefined) {
    const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
    const file = path.join(os.tmpdir(), `beat-probe-${process.pid}.heapprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`allocation profile: ${file}\n`);
  }
}
process.stdout.write(`probe ${hosts} hosts: ${out.join(" ")}\n`);
await fleet.close();
child.kill();
process.exit(0);
