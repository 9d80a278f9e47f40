// Every host's edge plan from one pass, with what the hosts share computed
// once. planEdge (plan.ts) decides one host's edge from all replicas; called
// for each of N hosts it sorted and indexed every replica N times, and built
// N copies of every server: O(hosts × replicas) objects per pass (10 million
// at 1,000 hosts of 10 replicas each).
//
// Yet the hosts' plans differ in little: a replica is dialled at its host's
// address by every edge but its own host's, which dials it on the cluster
// network; the ingress listeners bind the host's address and skip ports held
// there. So the hosts' index, the replicas in rotation, each backend's shape
// and its servers as "any other host" sees them are made once; a host's
// backend is that same list (the same array) when the host runs none of its
// replicas, else the list with the host's own replicas (next to each other:
// the list is sorted by host) swapped for its own view of them.
//
// The result is equal to planEdge's for every host (a unit test compares them
// on random fleets); planEdge stays the one-host reference.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import {
  backendShapes,
  hostIndex,
  isIssue,
  replicaIndex,
  serverFor,
  sortedServices,
  udpIssues,
  type EdgeIndex,
} from "./backends.js";
import { withImagePorts } from "./image-ports.js";
import { finishPlan, resolveOptions } from "./plan.js";
import type { EdgeBackend, EdgeHostAddress, EdgeIssue, EdgeOptions, EdgePlan, EdgeServer } from "./types.js";
import type { ForeignPort } from "../model/observed.js";

export interface FleetEdgeInput {
  readonly cluster: string;
  /** Every host's address (and whether it is down). */
  readonly hosts: readonly EdgeHostAddress[];
  readonly services: readonly ServiceSpec[];
  /** Observed replicas on all hosts; only running and healthy ones become backends. */
  readonly replicas: readonly ObservedReplica[];
  /** Options every host shares; `ingressBind` may be given per host to `planFor`. */
  readonly options?: EdgeOptions;
  /**
   * Observed: per service, the TCP ports its replicas' images EXPOSE (edge/image-ports.ts). A
   * stack's service is served on those too, beside the ports it lists. Absent: listed ports only.
   */
  readonly imagePorts?: ReadonlyMap<string, readonly number[]>;
  /** The names each service answers to on the network these edges serve (see EdgeInput.names). */
  readonly names?: ReadonlyMap<string, readonly string[]>;
}

/** One host's part of its plan. */
export interface HostEdgeInput {
  readonly host: { readonly name: string; readonly address: string };
  readonly foreignPorts?: readonly ForeignPort[];
  readonly options?: EdgeOptions;
}

interface OwnReplicas {
  /** Where the host's replicas sit in the shared server list: [from, to). */
  readonly from: number;
  readonly to: number;
  readonly replicas: readonly ObservedReplica[];
}

interface Template {
  readonly service: ServiceSpec;
  readonly shape: Omit<EdgeBackend, "servers">;
  /** The servers as a host running none of them dials them. */
  readonly servers: readonly EdgeServer[];
  /** Issues of that view, by the host whose replica has them. */
  readonly issues: ReadonlyMap<string, readonly EdgeIssue[]>;
  /** Per host running some of the backend's replicas. */
  readonly own: ReadonlyMap<string, OwnReplicas>;
}

/** Nobody's name: the view of an edge on no host, which dials every replica at its host's address. */
const ANY_OTHER_HOST = "";

export class FleetEdges {
  private readonly index: EdgeIndex;
  /** Issues every host's plan carries (invalid host addresses, UDP ports). */
  private readonly common: EdgeIssue[] = [];
  private readonly templates: Template[] = [];
  /** Whether some template has an issue tagged with a host (else there is nothing to filter). */
  private readonly anyReplicaIssue: boolean;
  /** The desired services with their observed image ports (the same objects when none). */
  private readonly services: readonly ServiceSpec[];

  constructor(private readonly input: FleetEdgeInput) {
    const maxCheck = resolveOptions(input.options).maxCheckIntervalMs;
    this.index = { hosts: hostIndex(input.hosts, this.common), replicas: replicaIndex(input.replicas) };
    let anyIssue = false;
    this.services = withImagePorts(input.services, input.imagePorts);
    for (const service of sortedServices(this.services)) {
      this.common.push(...udpIssues(service));
      for (const shape of backendShapes(service, maxCheck)) {
        const t = this.template(service, shape);
        if (t.issues.size > 0) anyIssue = true;
        this.templates.push(t);
      }
    }
    this.anyReplicaIssue = anyIssue;
  }

  /** The plan of one host's edge, equal to planEdge's for the same inputs. */
  planFor(h: HostEdgeInput): EdgePlan {
    const self = h.host.name;
    const issues = [...this.common];
    const backends: EdgeBackend[] = [];
    for (const t of this.templates) {
      if (this.anyReplicaIssue) for (const [host, list] of t.issues) if (host !== self) issues.push(...list);
      backends.push({ ...t.shape, servers: this.serversFor(t, self, issues) });
    }
    return finishPlan(
      {
        cluster: this.input.cluster,
        host: h.host,
        services: this.services,
        ...(h.foreignPorts !== undefined ? { foreignPorts: h.foreignPorts } : {}),
        ...(this.input.names !== undefined ? { names: this.input.names } : {}),
        options: { ...this.input.options, ...h.options },
      },
      backends,
      issues,
    );
  }

  /** The shared list, or (when self runs some of them) that list with self's own view of its replicas. */
  private serversFor(t: Template, self: string, issues: EdgeIssue[]): readonly EdgeServer[] {
    const own = t.own.get(self);
    if (own === undefined) return t.servers;
    const mine: EdgeServer[] = [];
    for (const r of own.replicas) {
      const s = serverFor(this.index, self, t.service, t.shape.target, r);
      if (s === undefined) continue;
      if (isIssue(s)) issues.push(s);
      else mine.push(s);
    }
    return [...t.servers.slice(0, own.from), ...mine, ...t.servers.slice(own.to)];
  }

  private template(service: ServiceSpec, shape: Omit<EdgeBackend, "servers">): Template {
    const servers: EdgeServer[] = [];
    const issues = new Map<string, EdgeIssue[]>();
    const own = new Map<string, { from: number; to: number; replicas: ObservedReplica[] }>();
    for (const r of this.index.replicas.get(service.name) ?? []) {
      let mine = own.get(r.host);
      if (mine === undefined)
        own.set(r.host, (mine = { from: servers.length, to: servers.length, replicas: [] }));
      mine.replicas.push(r);
      const s = serverFor(this.index, ANY_OTHER_HOST, service, shape.target, r);
      if (s !== undefined && isIssue(s)) issues.set(r.host, [...(issues.get(r.host) ?? []), s]);
      else if (s !== undefined) servers.push(s);
      mine.to = servers.length;
    }
    return { service, shape, servers, issues, own };
  }
}
