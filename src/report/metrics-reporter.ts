// Turns each finished pass into a metrics sample (nextMetrics, pure) and hands
// it to the registry. Runs on the pass's listener: synchronous and cheap, so
// it never holds up the loop.

import type { PassOutcome } from "../reconcile/pass-outcome.js";
import { EMPTY_METRICS_MEMORY, nextMetrics, type MetricsMemory, type MetricsSample } from "./metrics.js";
import type { PassReport } from "./pass-report.js";

export function passReport(out: PassOutcome, at: number): PassReport {
  return {
    at,
    stagesMs: out.stagesMs ?? {},
    ...(out.snapshot !== undefined ? { snapshot: out.snapshot } : {}),
    ...(out.status !== undefined ? { status: out.status } : {}),
    rollouts: (out.result?.rollouts ?? []).map((r) => ({ service: r.rollout.service, status: r.status })),
  };
}

export class MetricsReporter {
  private memory: MetricsMemory = EMPTY_METRICS_MEMORY;

  constructor(private readonly apply: (sample: MetricsSample) => void) {}

  passed(report: PassReport): void {
    const next = nextMetrics(this.memory, report);
    this.memory = next.memory;
    this.apply(next.sample);
  }
}
