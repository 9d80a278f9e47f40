// Where gitfleet's cold-start time goes, read from its own JSON log lines
// (pino: epoch `time` in ms, `msg`) and the daemons' start events: process
// start (spawn to its first log line), the first pass's start, its stages
// (load = first sync, observe, decide = schedule + plan, execute, edge,
// report = status), and per host the first create request and last start.
// Only for explaining the measurement; the measurement never relies on it.

import { logLines } from "./operator-phases.js";
import type { Starts } from "./start-watch.js";

export interface HostSpan {
  readonly host: string;
  /** ms after the spawn: the host's first create request, its last replica started (daemon event). */
  readonly firstCreate: number;
  readonly lastStart: number;
  readonly creates: number;
}

export interface ColdPhases {
  /** ms from the spawn to the operator's first log line (node, module loading, configuration). */
  readonly processStart: number;
  /** ms from the spawn to the start of the pass that created the replicas. */
  readonly passStart: number;
  /** That pass's stages (ms): load (first sync), observe, decide, execute, edge, report. */
  readonly stages: Readonly<Record<string, number>>;
  /** ms from the spawn to the first create request of the pass. */
  readonly firstCreate: number;
  readonly hosts: readonly HostSpan[];
  /** Status pushes before the first create request. */
  readonly statusPushesBefore: number;
  /** Passes before the one that created the replicas. */
  readonly passesBefore: number;
}

export function coldPhases(output: string, epoch: number, starts: Starts): ColdPhases | undefined {
  const all = logLines(output);
  const first = all[0];
  const creates = all.filter((l) => l.msg === "creating container");
  const firstCreate = creates[0];
  if (first === undefined || firstCreate === undefined) return undefined;
  const passes = all.filter((l) => l.msg === "pass done" || l.msg === "pass: converged");
  const pass = passes.find((l) => l.time >= firstCreate.time && (l.rollouts ?? 0) > 0);
  if (pass === undefined || pass.stagesMs === undefined) return undefined;
  const hosts: HostSpan[] = [];
  for (const [host, s] of [...starts.perHost].sort(([a], [b]) => a.localeCompare(b))) {
    const mine = creates.filter((l) => l.host === host);
    const at = mine[0]?.time;
    if (at === undefined) continue;
    hosts.push({ host, firstCreate: at - epoch, lastStart: s.last - epoch, creates: mine.length });
  }
  return {
    processStart: first.time - epoch,
    passStart: pass.time - (pass.ms ?? 0) - epoch,
    stages: pass.stagesMs,
    firstCreate: firstCreate.time - epoch,
    hosts,
    statusPushesBefore: all.filter((l) => l.time <= firstCreate.time && l.msg === "git: status pushed")
      .length,
    passesBefore: passes.filter((l) => l.time < pass.time).length,
  };
}
