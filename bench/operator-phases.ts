// Where the operator's commit-to-running time goes, read from its own JSON
// log lines (pino: epoch `time` in ms, `msg`): when it saw the new commit,
// when it asked Docker to create the replica, when the start call returned,
// and the stages of the pass that did it (its "pass done" line: start, and
// the milliseconds of load, observe, decide, execute, edge, report).
// Only for explaining the measurement: the measurement itself never relies
// on the log. Messages that change wording make a phase undefined, not wrong.

export interface Phases {
  /** ms from the push until the operator had read the new commit (poll wait + fetch). */
  readonly seen: number;
  /** ms from the push until it sent the create request. */
  readonly create: number;
  /** ms from the push until the new replica's start call returned. */
  readonly started: number;
  /** Status pushes to Git between seeing the commit and the create request. */
  readonly statusPushesBefore: number;
  /** The pass that applied the commit, by stage (undefined when its line is missing). */
  readonly stages?: PassStages;
}

/** ms of each part of commit → running and after, from the push. */
export interface PassStages {
  /** Push → the pass started (poll alignment, or the webhook's round trip). */
  readonly align: number;
  /** Fetch, read the commit's files, load the specs. */
  readonly load: number;
  readonly observe: number;
  /** Schedule and plan. */
  readonly decide: number;
  /** From the end of decide to the create request (image check, the rollout's start). */
  readonly toCreate: number;
  /** Create request sent → start returned. */
  readonly createStart: number;
  /** Start returned → the end of execute (health gate, monitor, the old replica removed). */
  readonly afterStart: number;
  readonly edge: number;
  /** Status written to Git. */
  readonly report: number;
}

/** One JSON line of the operator's log, with the fields the benches read. */
export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly host?: string;
  readonly ms?: number;
  readonly rollouts?: number;
  readonly stagesMs?: Record<string, number>;
}

/** The operator's JSON log lines in `output` (anything else is skipped). */
export function logLines(output: string): LogLine[] {
  const out: LogLine[] = [];
  for (const text of output.split("\n")) {
    if (!text.startsWith("{")) continue;
    try {
      const v = JSON.parse(text) as Partial<LogLine> & { time?: unknown; msg?: unknown };
      if (typeof v.time === "number" && typeof v.msg === "string")
        out.push({ ...v, time: v.time, msg: v.msg });
    } catch {
      // not a log line
    }
  }
  return out;
}

export function phasesAfter(output: string, sinceEpoch: number): Phases | undefined {
  const after = logLines(output).filter((l) => l.time >= sinceEpoch);
  const seen = after.find((l) => l.msg === "git: new desired state");
  if (seen === undefined) return undefined;
  const create = after.find((l) => l.time >= seen.time && l.msg === "creating container");
  if (create === undefined) return undefined;
  const started = after.find((l) => l.time >= create.time && l.msg.endsWith(": start the new replica"));
  if (started === undefined) return undefined;
  const statusPushesBefore = after.filter(
    (l) => l.time >= seen.time && l.time <= create.time && l.msg === "git: status pushed",
  ).length;
  const pass = after.find(
    (l) =>
      l.time >= started.time &&
      (l.msg === "pass done" || l.msg === "pass: converged") &&
      (l.rollouts ?? 0) > 0 &&
      l.stagesMs !== undefined,
  );
  return {
    seen: seen.time - sinceEpoch,
    create: create.time - sinceEpoch,
    started: started.time - sinceEpoch,
    statusPushesBefore,
    ...(pass !== undefined ? { stages: stagesOf(pass, create.time, started.time, sinceEpoch) } : {}),
  };
}

function stagesOf(pass: LogLine, create: number, started: number, since: number): PassStages {
  const st = pass.stagesMs ?? {};
  const at = (k: string): number => st[k] ?? 0;
  const begin = pass.time - (pass.ms ?? 0);
  const decided = begin + at("load") + at("observe") + at("decide");
  return {
    align: begin - since,
    load: at("load"),
    observe: at("observe"),
    decide: at("decide"),
    toCreate: create - decided,
    createStart: started - create,
    afterStart: decided + at("execute") - started,
    edge: at("edge"),
    report: at("report"),
  };
}
