// Production wiring of what faces outward: the metrics and probe listener
// (metrics.listen) and the notification targets, fed by every pass. Nothing
// listens unless the operator configuration has a metrics section, and
// nothing is sent anywhere it does not list under notifications.

import type { Logger } from "pino";
import type { GitfleetMetrics } from "../adapters/http/metrics-registry.js";
import { commitStatusTarget, webhookTarget } from "../adapters/http/notify-targets.js";
import type { SecretStore } from "../ports/index.js";
import { NotificationReporter } from "../report/notification-reporter.js";
import { Notifier } from "../report/notifier.js";
import { OpsServer } from "../adapters/http/ops-server.js";
import type { OperatorConfig } from "../config/index.js";
import type { Companion, Operator } from "./operator.js";
import { MetricsReporter, passReport } from "../report/metrics-reporter.js";
import { liveness, readiness } from "../report/probes.js";
import type { Time } from "../ports/time.js";

/** The companions of an operator; `operator` is filled in once it exists (it needs them first). */
export function outwardCompanions(
  config: OperatorConfig,
  deps: {
    readonly logger: Logger;
    readonly time: Time;
    readonly secrets: SecretStore;
    readonly operator: () => Operator;
  },
): Companion[] {
  return [...metricsCompanion(config, deps), ...notificationsCompanion(config, deps)];
}

function notificationsCompanion(
  config: OperatorConfig,
  deps: Parameters<typeof outwardCompanions>[1],
): Companion[] {
  const n = config.notifications;
  if (n === undefined || n.webhooks.length + n.commitStatus.length === 0) return [];
  const notifier = new Notifier({
    targets: [
      ...n.webhooks.map((w) => webhookTarget(w, deps.secrets)),
      ...n.commitStatus.map((c) => commitStatusTarget(c, deps.secrets)),
    ],
    time: deps.time,
    logger: deps.logger,
  });
  const reporter = new NotificationReporter(notifier, config.health);
  let unsubscribe: (() => void) | undefined;
  return [
    {
      name: `notifications (${n.webhooks.length} webhooks, ${n.commitStatus.length} forges)`,
      async start() {
        unsubscribe = deps.operator().onPass((out) => reporter.passed(passReport(out, deps.time.now())));
        await Promise.resolve();
      },
      async stop() {
        unsubscribe?.();
        // The last pass's notices get a moment to go out; retries do not hold up the exit.
        await Promise.race([notifier.idle(), deps.time.sleep(5_000)]);
        await notifier.stop();
      },
    },
  ];
}

function metricsCompanion(
  config: OperatorConfig,
  deps: Parameters<typeof outwardCompanions>[1],
): Companion[] {
  const m = config.metrics;
  if (m === undefined) return [];
  // Made at start: prom-client is slow to load, and operators without metrics never load it.
  let metrics: GitfleetMetrics | undefined;
  const bounds = config.health;
  const server = new OpsServer({
    host: m.listen.host,
    port: m.listen.port,
    metrics: async () => {
      if (metrics === undefined) throw new Error("metrics not started");
      return metrics.exposition();
    },
    live: () => liveness(deps.operator().vitals(), deps.time.now(), bounds),
    ready: () => readiness(deps.operator().vitals(), deps.time.now(), bounds),
    onError: (err) => deps.logger.warn({ err: String(err) }, "metrics listener: request failed"),
  });
  let unsubscribe: (() => void) | undefined;
  return [
    {
      name: `metrics ${m.listen.text}`,
      async start() {
        const { GitfleetMetrics } = await import("../adapters/http/metrics-registry.js");
        metrics = new GitfleetMetrics();
        unsubscribe = metricsFollow(deps.operator(), metrics, deps.time);
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

/**
 * The registry follows the operator: every pass's sample, the role at each scrape
 * (gitfleet_is_leader) and each term won (gitfleet_leader_changes_total). Returns unsubscribe.
 */
export function metricsFollow(operator: Operator, metrics: GitfleetMetrics, time: Time): () => void {
  const reporter = new MetricsReporter((s) => metrics.apply(s));
  const passes = operator.onPass((out) => reporter.passed(passReport(out, time.now())));
  metrics.leadership(() => operator.leading());
  const terms = operator.onLeadership((c) => {
    if (c.kind === "elected") metrics.elected();
  });
  return () => {
    passes();
    terms();
  };
}
