// What one finished pass tells the outward reporters (metrics, probes,
// notifications): the status it reported, how long each stage took, and what
// its rollouts ended as. Plain data taken from the pass outcome.

import type { SourceSnapshot } from "../ports/index.js";
import type { StatusInput } from "../status/index.js";
import type { RolloutStatus } from "../execute/context.js";

/** The stages of a pass, in order: each one's time is the wall time from the end of the one before. */
export const PASS_STAGES = ["load", "observe", "decide", "execute", "edge", "report"] as const;
export type PassStage = (typeof PASS_STAGES)[number];

export interface PassReport {
  /** When the pass ended (ms since epoch). */
  readonly at: number;
  /** Milliseconds per stage the pass reached, and "pass" for the whole. */
  readonly stagesMs: Readonly<Partial<Record<PassStage | "pass", number>>>;
  readonly snapshot?: SourceSnapshot;
  /** What the pass reported as status; absent when it reported nothing (another operator holds the lock). */
  readonly status?: StatusInput;
  /** Each rollout this pass ran, by service, and how it ended. */
  readonly rollouts: readonly { readonly service: string; readonly status: RolloutStatus }[];
}

/** Records the stages of one pass as laps: each lap's time goes to the stage named. */
export class StageTimer {
  private readonly start: number;
  private last: number;
  private readonly laps: Partial<Record<PassStage | "pass", number>> = {};

  constructor(private readonly now: () => number) {
    this.start = now();
    this.last = this.start;
  }

  /** The time since the last lap belongs to `stage` (added up when a stage comes round again). */
  lap(stage: PassStage): void {
    const t = this.now();
    this.laps[stage] = (this.laps[stage] ?? 0) + (t - this.last);
    this.last = t;
  }

  done(): Readonly<Partial<Record<PassStage | "pass", number>>> {
    return { ...this.laps, pass: this.now() - this.start };
  }
}
