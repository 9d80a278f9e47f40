// The edge port: what the controller needs of one host's edge (two HAProxy
// containers, see adapters/edge/container-spec.ts) and of one running HAProxy
// (EdgeTarget: check, write, reload, runtime API). adapters/edge implements
// both on the Docker API; tests drive HAProxy processes or fakes.

import type { ForeignPort } from "../model/observed.js";

export type EdgePart = "ingress" | "names";

/** What cannot change on a running edge container. */
export interface EdgeShape {
  readonly cluster: string;
  readonly image: string;
}

/** Ordered from most to least disruptive: a host's outcome is the worst of its two containers. */
export type EdgeOutcome =
  | "recreated" // replaced (image changed): this host's edge was down for a moment
  | "created" // there was none
  | "started" // its HAProxy had exited: started again with the configuration
  | "renamed" // the names edge re-attached with new service names
  | "reloaded" // a new configuration, loaded seamlessly
  | "deferred" // a disruptive change waits for its turn (one host per pass)
  | "unchanged";

/** Everything one host's edge should be. */
export interface EdgeWant {
  readonly shape: EdgeShape;
  /** Service names the names edge answers to. */
  readonly aliases: readonly string[];
  /** Configuration of the ingress edge (ingress listeners on the host address). */
  readonly ingress: string;
  /** Configuration of the names edge (service-discovery listeners). */
  readonly names: string;
  /** One names edge per stack network used on the cluster: its names there and its configuration. */
  readonly networks?: readonly NetworkEdgeWant[];
}

export interface NetworkEdgeWant {
  /** The stack network (shop_default). */
  readonly network: string;
  readonly aliases: readonly string[];
  readonly config: string;
}

/** What the controller needs of a host to run its edge. */
export interface EdgeHost {
  /**
   * `mayDisrupt()` claims the one turn of this pass for a change that interrupts the host's edge.
   * Rejects with EdgeError "edge-bind-failed" when HAProxy could not bind some ingress ports:
   * they are in heldPorts() from then on, and the caller renders again without them.
   */
  ensure(want: EdgeWant, mayDisrupt: () => boolean): Promise<EdgeOutcome>;
  /** Ingress ports this host's edge found it cannot bind (for a minute after each failure). */
  heldPorts?(): readonly ForeignPort[];
  /** The runtime API of one running edge container (for `show stat`, drains). */
  target(cluster: string, part?: EdgePart): EdgeTarget;
}

/** `haproxy -c`'s verdict on a configuration. */
export interface CheckResult {
  readonly ok: boolean;
  /** HAProxy's [ALERT] and [WARNING] lines. */
  readonly alerts: readonly string[];
  readonly warnings: readonly string[];
  readonly output: string;
}

/**
 * Where an edge configuration goes: the HAProxy of one edge container (adapters/edge/container-target.ts),
 * or one on this machine in the integration tests (test/integration/edge/local-target.ts).
 */
export interface EdgeTarget {
  /** For logs and errors: "h1", "local /etc/haproxy/haproxy.cfg". */
  readonly name: string;
  /** Judge a configuration with the HAProxy that will run it (`haproxy -c`). */
  check(config: string): Promise<CheckResult>;
  /** Fingerprint of the configuration last applied successfully, if any. */
  appliedHash(): Promise<string | undefined>;
  /** Replace the configuration file so that a reader sees the old or the new text, never half. */
  writeConfig(config: string): Promise<void>;
  /**
   * Make the running HAProxy load the file without dropping connections; resolves once
   * the new worker serves. Rejects with code "edge-not-running" when no HAProxy runs
   * (it will read the file when it starts).
   */
  reload(): Promise<void>;
  /** Remember the fingerprint of what now runs. */
  markApplied(hash: string): Promise<void>;
  /** One command on the worker's runtime API (the stats socket). */
  runtime(command: string): Promise<string>;
}
