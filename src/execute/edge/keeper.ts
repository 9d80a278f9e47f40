// The edge step of a reconcile pass, after the replicas: every host that
// answered this pass gets its edge containers and the configurations rendered
// for them from the desired services and the replicas observed on ALL hosts
// (only running, healthy ones on hosts not down are backends). Hosts that did
// not answer are skipped: their edge keeps serving what it had, and its own
// health checks take dead backends out of rotation meanwhile.
//
// Reloads are seamless and go to every host at once. A change that interrupts
// a host's edge for a moment (re-creating a container for a new image,
// re-attaching the names edge with new service names) is rolled: one host per
// pass, the others get theirs in the following passes ("deferred").
//
// One host's failure never stops the others; errors are logged and retried
// the next pass (the applied-config marker makes a retry cheap).

import type { Logger } from "../../ports/logger.js";
import type { Time } from "../../ports/time.js";
import {
  edgeAliases,
  edgeShape,
  networkAliases,
  observedImagePorts,
  unreachableByName,
  FleetEdges,
  ingressConflicts,
  renderEdgePlan,
  splitEdgePlan,
  uniqueIssues,
  type EdgePlan,
} from "../../edge/index.js";
import type { ForeignPort, ObservedHost, ObservedReplica } from "../../model/observed.js";
import type { DesiredState, HostSpec, ServiceSpec } from "../../model/spec.js";
import type { EndpointInput } from "../../status/index.js";
import type { EdgeHost, EdgeOutcome, EdgeWant } from "../../ports/edge.js";
import { ControllerError, errorCode } from "../../ports/host.js";
import { withTimeout } from "../../observe/observer.js";
import { serviceEndpoints } from "../../report/edge-endpoints.js";

/** How long one host's edge step may take before the pass gives up on it (retried next pass). */
export const EDGE_STEP_DEADLINE_MS = 20_000;

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
  /** Per service, what the edges cannot serve as specified on some host (a port held by another container). */
  readonly conflicts: ReadonlyMap<string, readonly string[]>;
  /**
   * How many sets of edges the step planned (each indexes every replica it serves): the ingress
   * edges, the names edges, a stack network's, or, for the status endpoints when no host's edge
   * was planned, the services that publish a port. None when no host has an edge and no service
   * publishes a port.
   */
  readonly planned?: number;
}

/** Every host's edge plan; what the hosts share (indexes, servers as others dial them) is made once. */
export function edgePlans(
  input: EdgePassInput,
  held?: (host: string) => readonly ForeignPort[],
): Map<string, EdgePlan> {
  const planner = new PassEdges(input);
  return new Map(input.desired.cluster.hosts.map((h) => [h.name, planner.planFor(h.name, held)]));
}

/**
 * One pass's edges: the shared part made once, a host's plan only when asked for. The keeper
 * plans the edges it applies (each plan lists every replica: at 1,000 hosts of 10 replicas, one
 * plan holds 10,000 servers) and lets each go once rendered.
 */
/** What one set of edges serves, when not every service as observed (the names edges). */
interface PlanScope {
  readonly services: readonly ServiceSpec[];
  /** The replicas as these edges dial them (a stack network's edge: at their address there). */
  readonly replicas?: readonly ObservedReplica[];
  /** The names each service answers to there, for HTTP routing on a stack network. */
  readonly names?: ReadonlyMap<string, readonly string[]>;
  /** Observed: per service, the TCP ports its replicas' images expose (served by the names edges). */
  readonly imagePorts?: ReadonlyMap<string, readonly number[]>;
}

class PassEdges {
  /** Made at the first plan asked for: indexing every replica is most of a plan's cost. */
  private fleetEdges: FleetEdges | undefined;
  private readonly observed: ReadonlyMap<string, ObservedHost>;
  private readonly specs: ReadonlyMap<string, HostSpec>;

  constructor(
    private readonly input: EdgePassInput,
    private readonly scope?: PlanScope,
  ) {
    this.observed = new Map(input.hosts.map((h) => [h.name, h]));
    this.specs = new Map(input.desired.cluster.hosts.map((h) => [h.name, h]));
  }

  /** Whether a plan was made (the replicas indexed). */
  get planned(): boolean {
    return this.fleetEdges !== undefined;
  }

  private get fleet(): FleetEdges {
    this.fleetEdges ??= this.index();
    return this.fleetEdges;
  }

  private index(): FleetEdges {
    const { input, scope } = this;
    const { desired } = input;
    const down = new Set(input.hosts.filter((h) => h.state === "down").map((h) => h.name));
    return new FleetEdges({
      cluster: desired.cluster.name,
      hosts: desired.cluster.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        ...(down.has(h.name) ? { state: "down" as const } : {}),
      })),
      services: scope?.services ?? desired.services,
      replicas: (scope?.replicas ?? input.replicas).filter((r) => !(input.leaving?.has(r.name) ?? false)),
      ...(scope?.names !== undefined ? { names: scope.names } : {}),
      ...(scope?.imagePorts !== undefined ? { imagePorts: scope.imagePorts } : {}),
    });
  }

  planFor(name: string, held?: (host: string) => readonly ForeignPort[]): EdgePlan {
    const h = this.specs.get(name);
    if (h === undefined) throw new ControllerError("internal", `no edge plan for ${name}`);
    const foreignPorts = this.foreignPorts(name, held);
    return this.fleet.planFor({
      host: { name: h.name, address: h.address },
      ...(foreignPorts.length > 0 ? { foreignPorts } : {}),
      // The ingress edge runs on the host's network: its listeners bind the host's address only.
      options: { ingressBind: h.address },
    });
  }

  /**
   * The edges' `port-in-use` issues, per service, each message once, in host order: what
   * portConflicts() finds in every host's plan, without planning every host.
   */
  conflicts(held?: (host: string) => readonly ForeignPort[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const h of this.input.desired.cluster.hosts) {
      const found = ingressConflicts(this.input.desired.services, h.name, this.foreignPorts(h.name, held));
      const issues = uniqueIssues(
        found.map((c) => ({
          code: "port-in-use" as const,
          service: c.service,
          host: c.host,
          port: c.port,
          message: c.message,
        })),
      );
      for (const i of issues) {
        if (i.service === undefined) continue;
        const list = out.get(i.service) ?? [];
        if (!list.includes(i.message)) list.push(i.message);
        out.set(i.service, list);
      }
    }
    return out;
  }

  /** Held by containers that are not ours (Docker API), or found unbindable by this host's edge. */
  private foreignPorts(name: string, held?: (host: string) => readonly ForeignPort[]): ForeignPort[] {
    return [...(this.observed.get(name)?.foreignPorts ?? []), ...(held?.(name) ?? [])];
  }
}

/** The cluster network's names edges serve the services/ documents only; a stack's are on its networks. */
function clusterNames(input: EdgePassInput): PassEdges {
  return new PassEdges(input, { services: input.desired.services.filter((s) => s.networks === undefined) });
}

/**
 * Per stack network: the names edges of that network. They serve the services on it, route
 * HTTP by their names there, and dial their own host's replicas at their address on that
 * network (the only bridge they share with them).
 */
export function networkEdges(input: EdgePassInput): Map<string, PassEdges> {
  const out = new Map<string, PassEdges>();
  // What each replica's image exposes, as observed: a port appears once a host has the image.
  const imagePorts = observedImagePorts(input.replicas);
  for (const network of networkAliases(input.desired.services).keys()) {
    const services = input.desired.services.filter(
      (s) => s.networkMode !== "host" && (s.networks ?? []).some((n) => n.name === network),
    );
    const names = new Map(
      services.map((s) => [s.name, s.networks?.find((n) => n.name === network)?.aliases ?? [s.name]]),
    );
    const replicas = input.replicas.map((r) => {
      const { clusterAddress: _, ...rest } = r;
      const address = r.networkAddresses?.[network];
      return address !== undefined ? { ...rest, clusterAddress: address } : rest;
    });
    out.set(network, new PassEdges(input, { services, replicas, names, imagePorts }));
  }
  return out;
}

// eslint-disable-next-line max-lines-per-function -- the edge step for every host: plan, apply under the deadline, record each host's outcome
export async function reconcileEdges(
  input: EdgePassInput,
  edgeOf: (host: string) => EdgeHost | undefined,
  logger: Logger,
  /**
   * Each host's edge step gives up after `ms` (default 20 s), timed by the injected clock.
   * Without a clock (unit tests of what is planned) no deadline applies.
   */
  deadline?: { readonly time: Time; readonly ms?: number },
): Promise<EdgePassResult> {
  const deadlineMs = deadline?.ms ?? EDGE_STEP_DEADLINE_MS;
  const heldOf = (h: string): readonly ForeignPort[] => edgeOf(h)?.heldPorts?.() ?? [];
  const planner = new PassEdges(input);
  const outcomes = new Map<string, EdgeOutcome>();
  const errors = new Map<string, string>();
  const down = new Set(input.hosts.filter((h) => h.state === "down").map((h) => h.name));
  const shape = edgeShape(input.desired.cluster.name, input.desired.cluster.edge.image);
  const aliases = edgeAliases(input.desired.services);
  const byNetwork = networkAliases(input.desired.services);
  const names = clusterNames(input);
  const networks = networkEdges(input);
  // One disruptive change per pass, cluster-wide: the first host (in cluster.yaml order) to ask gets it.
  let turnTaken = false;
  const mayDisrupt = (): boolean => {
    if (turnTaken) return false;
    turnTaken = true;
    return true;
  };
  await Promise.all(
    input.desired.cluster.hosts.map(async (h) => {
      const edge = edgeOf(h.name);
      if (edge === undefined || down.has(h.name) || !input.fresh.has(h.name)) return;
      // Planned (again) at each apply: a bind failure leaves the ports it found out of the next.
      const discovery = (edges: PassEdges | undefined): string =>
        edges === undefined ? "" : renderEdgePlan(splitEdgePlan(edges.planFor(h.name)).names);
      const want = (): EdgeWant => {
        const parts = splitEdgePlan(planner.planFor(h.name, heldOf));
        const perNetwork = [...byNetwork].map(([network, list]) => ({
          network,
          aliases: list,
          config: discovery(networks.get(network)),
        }));
        return {
          shape,
          aliases,
          ingress: renderEdgePlan(parts.ingress),
          names: discovery(names),
          ...(perNetwork.length > 0 ? { networks: perNetwork } : {}),
        };
      };
      const ensure = async (): Promise<EdgeOutcome> => {
        try {
          return await edge.ensure(want(), mayDisrupt);
        } catch (err) {
          // Some listeners cannot be bound on this host: rendered again without them, applied once more.
          if (errorCode(err) !== "edge-bind-failed") throw err;
          return edge.ensure(want(), mayDisrupt);
        }
      };
      const timedOut = (): Error =>
        new ControllerError("edge-timeout", `edge step timed out after ${deadlineMs} ms`);
      try {
        const outcome = await (deadline === undefined
          ? ensure()
          : withTimeout(ensure(), deadlineMs, deadline.time, timedOut));
        outcomes.set(h.name, outcome);
        if (outcome !== "unchanged") logger.debug({ host: h.name, outcome }, "edge updated");
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.set(h.name, message);
        logger.warn({ host: h.name, err: message }, "edge not updated; retrying next pass");
      }
    }),
  );
  const first = input.desired.cluster.hosts[0];
  const status = statusEndpoints(input, planner, first?.name);
  const conflicts = planner.conflicts(heldOf);
  // A stack's service no name reaches (no port listed, its image exposes none): said in status too.
  const unreachable = unreachableByName(input.desired.services, observedImagePorts(input.replicas));
  // Two services of a stack network on one TCP port (say two images exposing 5432): one is served.
  const shared =
    first === undefined ? [] : [...networks.values()].flatMap((e) => e.planFor(first.name).issues);
  for (const i of shared)
    if (i.code === "port-shared" && i.service !== undefined)
      unreachable.set(i.service, [...(unreachable.get(i.service) ?? []), i.message]);
  for (const [service, messages] of unreachable)
    for (const m of messages) {
      const list = conflicts.get(service) ?? [];
      if (!list.includes(m)) conflicts.set(service, [...list, m]);
    }
  const planned = [planner, names, ...networks.values(), ...(status.planner ? [status.planner] : [])].filter(
    (p) => p.planned,
  ).length;
  return { outcomes, errors, endpoints: status.endpoints, conflicts, planned };
}

/**
 * Every edge has the same servers (only how it dials its own host's differs): the first host's
 * plan says them. Only a service that publishes a TCP port has endpoints: when no host's edge
 * was planned in this step (no host has one: a plan holds every replica, 3 MiB at 300 hosts),
 * only those services are planned, and none when no service publishes a port.
 */
function statusEndpoints(
  input: EdgePassInput,
  planner: PassEdges,
  first: string | undefined,
): { readonly endpoints: Map<string, EndpointInput[]>; readonly planner?: PassEdges } {
  const services = input.desired.services;
  if (first === undefined) return { endpoints: new Map() };
  if (planner.planned) return { endpoints: serviceEndpoints(planner.planFor(first), services) };
  const publishing = services.filter((s) =>
    s.ports.some((p) => p.published !== undefined && p.protocol === "tcp"),
  );
  if (publishing.length === 0) return { endpoints: new Map() };
  const scoped = new PassEdges(input, { services: publishing });
  return { endpoints: serviceEndpoints(scoped.planFor(first), publishing), planner: scoped };
}

/** The edges' `port-in-use` issues, per service, each message once, in host order. */
export function portConflicts(plans: ReadonlyMap<string, EdgePlan>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const plan of plans.values()) {
    for (const i of plan.issues) {
      if (i.code !== "port-in-use" || i.service === undefined) continue;
      const list = out.get(i.service) ?? [];
      if (!list.includes(i.message)) list.push(i.message);
      out.set(i.service, list);
    }
  }
  return out;
}
