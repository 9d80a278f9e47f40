// What the edge renderer takes and what it decides, as plain data. The plan is
// the decision (listeners, backends, problems); the HAProxy text is only its
// rendering, so status can report endpoints without parsing configuration.

import type { ForeignPort, HostState, ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";

export interface EdgeHostAddress {
  readonly name: string;
  /** Where this host's published ports are reachable (cluster.yaml `address`). */
  readonly address: string;
  /** Replicas on a host known to be down are stale observations: never backends. */
  readonly state?: HostState;
}

export interface EdgeOptions {
  /** Address the ingress listeners bind inside the edge. Default "*". */
  readonly ingressBind?: string;
  /** Address the service-discovery listeners bind (the edge's cluster-network address). Default "*". */
  readonly discoveryBind?: string;
  /** The worker's runtime socket. Default /var/run/haproxy.sock. */
  readonly statsSocket?: string;
  /** Stats page (/stats) and Prometheus metrics (/metrics); absent = no such listener. */
  readonly stats?: { readonly bind?: string; readonly port: number };
  /** HAProxy probes at least this often, even when Docker's interval is longer. Default 1000 ms. */
  readonly maxCheckIntervalMs?: number;
  /** Old workers left after a reload are stopped after this long. Default 30 min. */
  readonly hardStopAfterMs?: number;
  /**
   * HAProxy >= 2.7 only (`idle-close-on-response`): on reload, idle keep-alive client connections
   * are closed after answering their next request instead of at once, which removes the race where
   * a client reuses a connection the old worker is closing. Default false (Debian's 2.6 lacks it).
   */
  readonly idleCloseOnResponse?: boolean;
}

export interface EdgeInput {
  readonly cluster: string;
  /** The host whose edge this configuration is for. */
  readonly host: { readonly name: string; readonly address: string };
  /** Every host's address: backends are hostAddress:publishedHostPort. */
  readonly hosts: readonly EdgeHostAddress[];
  readonly services: readonly ServiceSpec[];
  /** Observed replicas on all hosts; only running and healthy ones become backends. */
  readonly replicas: readonly ObservedReplica[];
  /**
   * The names each service answers to on the network this edge serves (a stack network: its
   * Compose name, full name and aliases); absent: its service name. HTTP routes by these.
   */
  readonly names?: ReadonlyMap<string, readonly string[]>;
  /**
   * Observed: per service, the TCP ports its replicas' images EXPOSE (edge/image-ports.ts). A
   * stack's service is served on those too, beside the ports it lists. Absent: listed ports only.
   */
  readonly imagePorts?: ReadonlyMap<string, readonly number[]>;
  /** Ports held on this host's address by containers gitfleet does not manage: no listener there. */
  readonly foreignPorts?: readonly ForeignPort[];
  readonly options?: EdgeOptions;
}

export type AppMode = "http" | "tcp";

/** How HAProxy probes a backend server. */
export type EdgeCheck =
  | {
      readonly kind: "tcp";
      readonly interMs: number;
      readonly timeoutMs: number;
      readonly fall: number;
      readonly rise: number;
    }
  | {
      readonly kind: "http";
      readonly path: string;
      readonly interMs: number;
      readonly timeoutMs: number;
      readonly fall: number;
      readonly rise: number;
    };

export interface EdgeServer {
  /** HAProxy server name: `<host>:<container name>`, unique in its backend. */
  readonly name: string;
  readonly host: string;
  readonly replica: string;
  /** Where this edge dials the replica: its cluster-network address when on the same host, else the host's. */
  readonly address: string;
  readonly port: number;
  /** The replica as every host sees it, hostAddress:publishedPort (the same in every edge): for status. */
  readonly endpoint: string;
}

/** One service port: the pool that both ingress and discovery listeners route to. */
export interface EdgeBackend {
  readonly name: string;
  readonly service: string;
  readonly target: number;
  readonly mode: AppMode;
  readonly proxyProtocol: boolean;
  readonly check: EdgeCheck;
  readonly servers: readonly EdgeServer[];
}

export type RouteKind = "ingress" | "discovery";

export interface EdgeRoute {
  readonly kind: RouteKind;
  readonly service: string;
  readonly backend: string;
}

/** One socket HAProxy binds, with what it serves. */
export interface EdgeListener {
  readonly name: string;
  readonly bind: string;
  readonly port: number;
  readonly mode: AppMode;
  /** Requests whose Host names a service go to that service's backend (HTTP only). */
  readonly hostRoutes: readonly {
    readonly service: string;
    readonly backend: string;
    /** The names a Host header may give for it: the service's name, or its names on a stack network. */
    readonly names?: readonly string[];
  }[];
  /** Everything else; absent = 503 (HTTP) or an immediate close (TCP). */
  readonly defaultBackend?: string;
  readonly routes: readonly EdgeRoute[];
}

export type EdgeIssueCode =
  | "port-shared"
  | "port-in-use"
  | "udp-unsupported"
  | "host-unknown"
  | "host-address-invalid"
  | "port-not-published";

/** Something the edge cannot serve as specified; reported in status, never fatal. */
export interface EdgeIssue {
  readonly code: EdgeIssueCode;
  readonly service?: string;
  readonly host?: string;
  readonly port?: number;
  readonly message: string;
}

export interface EdgePlan {
  readonly cluster: string;
  readonly host: { readonly name: string; readonly address: string };
  readonly listeners: readonly EdgeListener[];
  readonly backends: readonly EdgeBackend[];
  readonly issues: readonly EdgeIssue[];
  readonly options: Required<Omit<EdgeOptions, "stats">> & Pick<EdgeOptions, "stats">;
}
