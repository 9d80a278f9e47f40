// Where the operator's commit-to-running time goes, read from its own JSON
// log lines (pino: epoch `time` in ms, `msg`): when it saw the new commit,
// when it asked Docker to create the replica, when the start call returned.
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
}

interface Line {
  readonly time: number;
  readonly msg: string;
}

function lines(output: string): Line[] {
  const out: Line[] = [];
  for (const text of output.split("\n")) {
    if (!text.startsWith("{")) continue;
    try {
      const v = JSON.parse(text) as { time?: unknown; msg?: unknown };
      if (typeof v.time === "number" && typeof v.msg === "string") out.push({ time: v.time, msg: v.msg });
    } catch {
      // not a log line
    }
  }
  return out;
}

export function phasesAfter(output: string, sinceEpoch: number): Phases | undefined {
  const after = lines(output).filter((l) => l.time >= sinceEpoch);
  const seen = after.find((l) => l.msg === "git: new desired state");
  if (seen === undefined) return undefined;
  const create = after.find((l) => l.time >= seen.time && l.msg === "creating container");
  if (create === undefined) return undefined;
  const started = after.find((l) => l.time >= create.time && l.msg.endsWith(": start the new replica"));
  if (started === undefined) return undefined;
  const statusPushesBefore = after.filter(
    (l) => l.time >= seen.time && l.time <= create.time && l.msg === "git: status pushed",
  ).length;
  return {
    seen: seen.time - sinceEpoch,
    create: create.time - sinceEpoch,
    started: started.time - sinceEpoch,
    statusPushesBefore,
  };
}
