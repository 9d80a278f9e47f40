// Production wiring of what faces outward: the metrics and probe listener
// (metrics.listen) fed by every pass. Nothing listens unless the operator
// configuration has a metrics section.

import type { Logger } from "pino";
import { GitfleetMetrics } from "../adapters/http/metrics-registry.js";
import { OpsServer } from "../adapters/http/ops-server.js";
import type { OperatorConfig } from "../config/index.js";
import type { Companion, Operator } from "./operator.js";
import { MetricsReporter, passReport } from "./report/metrics-reporter.js";
import { liveness, readiness } from "./report/probes.js";
import type { Time } from "./time.js";

/** The companions of an operator; `operator` is filled in once it exists (it needs them first). */
export function outwardCompanions(
  config: OperatorConfig,
  deps: { readonly logger: Logger; readonly time: Time; readonly operator: () => Operator },
): Companion[] {
  const m = config.metrics;
  if (m === undefined) return [];
  const metrics = new GitfleetMetrics();
  const reporter = new MetricsReporter((s) => metrics.apply(s));
  const bounds = config.health;
  const server = new OpsServer({
    host: m.listen.host,
    port: m.listen.port,
    metrics: () => metrics.exposition(),
    live: () => liveness(deps.operator().vitals(), deps.time.now(), bounds),
    ready: () => readiness(deps.operator().vitals(), deps.time.now(), bounds),
    onError: (err) => deps.logger.warn({ err: String(err) }, "metrics listener: request failed"),
  });
  let unsubscribe: (() => void) | undefined;
  return [
    {
      name: `metrics ${m.listen.text}`,
      async start() {
        unsubscribe = deps.operator().onPass((out) => reporter.passed(passReport(out, deps.time.now())));
        const at = await server.start();
        deps.logger.info({ host: at.host, port: at.port }, "metrics, /healthz and /readyz listening");
      },
      async stop() {
        unsubscribe?.();
        await server.stop();
      },
    },
  ];
}
