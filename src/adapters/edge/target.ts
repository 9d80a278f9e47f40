// Where an edge configuration goes. The local implementation (local-target.ts)
// drives an HAProxy on this machine through files and unix sockets; the
// controller provides one for the edge container of each host (the same
// steps through the container's mounted directory or `docker exec`).

import type { CheckResult } from "./check.js";

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
