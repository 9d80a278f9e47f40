// The edge step of a reconcile pass, after the replicas: every host that
// answered this pass gets its edge container (shape) and the configuration
// rendered for it from the desired services and the replicas observed on ALL
// hosts (only running, healthy ones on hosts not down are backends). Hosts
// that did not answer are skipped: their edge keeps serving what it had, and
// its own health checks take dead backends out of rotation meanwhile.
//
// One host's failure never stops the others; errors are logged and retried
// the next pass (the applied-config marker makes a retry cheap).

import type { Logger } from "pino";
import { planEdge, renderEdgePlan, type EdgePlan } from "../../edge/index.js";
import type { ObservedHost, ObservedReplica } from "../../model/observed.js";
import type { DesiredState } from "../../model/spec.js";
import type { EndpointInput } from "../../status/index.js";
import { edgeShape } from "./container-spec.js";
import type { EdgeHost, EdgeOutcome } from "./edge-host.js";
import { serviceEndpoints } from "./endpoints.js";

export interface EdgePassInput {
  readonly desired: DesiredState;
  readonly hosts: readonly ObservedHost[];
  readonly replicas: readonly ObservedReplica[];
  /** Hosts whose Docker answered this pass. */
  readonly fresh: ReadonlySet<string>;
  /** Replicas about to be stopped: out of rotation already (by container name). */
  readonly leaving?: ReadonlySet<string>;
}

export interface EdgePassResult {
  readonly outcomes: ReadonlyMap<string, EdgeOutcome>;
  readonly errors: ReadonlyMap<string, string>;
  /** Per service, its published ports and the backends in rotation (the same on every edge). */
  readonly endpoints: ReadonlyMap<string, readonly EndpointInput[]>;
}

export function edgePlans(input: EdgePassInput): Map<string, EdgePlan> {
  const { desired } = input;
  const down = new Set(input.hosts.filter((h) => h.state === "down").map((h) => h.name));
  const hosts = desired.cluster.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    ...(down.has(h.name) ? { state: "down" as const } : {}),
  }));
  const replicas = input.replicas.filter((r) => !(input.leaving?.has(r.name) ?? false));
  const out = new Map<string, EdgePlan>();
  for (const h of desired.cluster.hosts) {
    out.set(
      h.name,
      planEdge({
        cluster: desired.cluster.name,
        host: { name: h.name, address: h.address },
        hosts,
        services: desired.services,
        replicas,
      }),
    );
  }
  return out;
}

export async function reconcileEdges(
  input: EdgePassInput,
  edgeOf: (host: string) => EdgeHost | undefined,
  logger: Logger,
  deadlineMs = 20_000,
): Promise<EdgePassResult> {
  const plans = edgePlans(input);
  const outcomes = new Map<string, EdgeOutcome>();
  const errors = new Map<string, string>();
  const down = new Set(input.hosts.filter((h) => h.state === "down").map((h) => h.name));
  await Promise.all(
    input.desired.cluster.hosts.map(async (h) => {
      const edge = edgeOf(h.name);
      const plan = plans.get(h.name);
      if (edge === undefined || plan === undefined || down.has(h.name) || !input.fresh.has(h.name)) return;
      const shape = edgeShape(input.desired.cluster.name, input.desired.cluster.edge.image, h.address, [
        ...input.desired.services,
      ]);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`edge step timed out after ${deadlineMs} ms`)), deadlineMs);
      });
      try {
        const outcome = await Promise.race([edge.ensure(shape, renderEdgePlan(plan)), deadline]);
        outcomes.set(h.name, outcome);
        if (outcome !== "unchanged") logger.debug({ host: h.name, outcome }, "edge updated");
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.set(h.name, message);
        logger.warn({ host: h.name, err: message }, "edge not updated; retrying next pass");
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const first = input.desired.cluster.hosts[0];
  const endpoints = serviceEndpoints(first ? plans.get(first.name) : undefined, input.desired.services);
  return { outcomes, errors, endpoints };
}
