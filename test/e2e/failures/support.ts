// What the failure drills check after every fault: exactly one container per
// slot across the cluster, all serving, on the expected hosts, and the status
// branch naming the same containers. Listing a frozen host would hang, so the
// "during the fault" checks list the survivors only.

import { parse } from "yaml";
import { dockerFor, TESTBED, type TestbedHost } from "../../support/testbed.js";
import {
  CLUSTER,
  clusterYaml,
  managed,
  managedOn,
  serving,
  type Managed,
  type OperatorWorld,
} from "../operator/support.js";

/** Replica counts of the drill services (see failureServices). */
export const DESIRED: Readonly<Record<string, number>> = { web: 3, api: 2 };

/** Fast health checks, no dependencies between the services: the drill measures failover, nothing else. */
export function failureServices(): Record<string, string> {
  return {
    "services/web.yaml": `kind: Service
name: web
image: gitfleet/web:1
ports: [{target: 8080}]
healthcheck: {test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"], interval: 1s, timeout: 5s, retries: 3}
deploy:
  replicas: ${DESIRED["web"]}
  placement: {preferences: [{spread: node.labels.zone}]}
  update_config: {parallelism: 1, order: start-first, monitor: 1s}
  restart_policy: {condition: any, delay: 1s}
`,
    "services/api.yaml": `kind: Service
name: api
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; echo ok > /tmp/index.html; httpd -f -p 8080 -h /tmp & wait"]
deploy:
  replicas: ${DESIRED["api"]}
  # start-first: a move (drain) follows update_config.order, and stop-first would leave 1 of 2 serving.
  update_config: {order: start-first}
  restart_policy: {delay: 1s}
`,
  };
}

/** The e2e cluster with a short probation, so a returning host is trusted again within the drill. */
export function failureCluster(stableAfter = "5s"): string {
  const base = clusterYaml();
  const settings = "settings: {host_down_after: 3s}";
  if (!base.includes(settings)) throw new Error("clusterYaml() changed: update failureCluster()");
  return base.replace(settings, `settings: {host_down_after: 3s, host_stable_after: ${stableAfter}}`);
}

export const others = (victim: TestbedHost): TestbedHost[] =>
  TESTBED.hosts.filter((h) => h.name !== victim.name);

/** Every drill service fully serving on these hosts only (undefined until then). */
export async function servingOn(
  hosts: readonly TestbedHost[],
  desired: Readonly<Record<string, number>> = DESIRED,
): Promise<Managed[] | undefined> {
  const all = replicas((await Promise.all(hosts.map((h) => managedOn(h)))).flat());
  return complete(all, desired) ? all : undefined;
}

/** Service replicas only: the edge's HAProxy containers carry the cluster label but no service. */
export const replicas = (list: readonly Managed[]): Managed[] => list.filter((c) => c.service !== "");

/** Exactly one container per slot, each serving, the desired count per service. */
export function complete(
  list: readonly Managed[],
  desired: Readonly<Record<string, number>> = DESIRED,
): boolean {
  for (const [service, n] of Object.entries(desired)) {
    const mine = list.filter((c) => c.service === service);
    const slots = new Set(mine.map((c) => c.slot));
    if (mine.length !== n || slots.size !== n || serving(mine).length !== n) return false;
  }
  return list.every((c) => c.service in desired);
}

/** The whole cluster converged (every host listed) and the status branch names exactly those containers. */
export async function settled(
  world: OperatorWorld,
  desired: Readonly<Record<string, number>> = DESIRED,
): Promise<Managed[] | undefined> {
  const all = replicas(await managed());
  if (!complete(all, desired)) return undefined;
  for (const service of Object.keys(desired)) {
    const doc = parse(await world.status(`status/services/${service}.yaml`)) as {
      replicas?: Array<Record<string, unknown>>;
    } | null;
    const said = (doc?.replicas ?? []).map(
      (r) => `${String(r["slot"])}@${String(r["host"])}:${String(r["container"])}:${String(r["state"])}`,
    );
    const real = all
      .filter((c) => c.service === service)
      .map((c) => `${c.slot}@${c.host}:${c.id.slice(0, 12)}:${c.state}`);
    if (said.sort().join() !== real.sort().join()) return undefined;
  }
  return all;
}

/** The host's state in status/cluster.yaml ("" when not there yet). */
export async function hostState(world: OperatorWorld, host: string): Promise<string> {
  const doc = parse(await world.status("status/cluster.yaml")) as {
    hosts?: Record<string, { state?: string; probation?: boolean }>;
  } | null;
  const h = doc?.hosts?.[host];
  return h === undefined ? "" : `${h.state ?? ""}${h.probation === true ? " (probation)" : ""}`;
}

/** The host holding the most replicas of the drill services: the one whose loss hurts most. */
export function busiest(list: readonly Managed[]): TestbedHost {
  const count = (h: TestbedHost) => list.filter((c) => c.host === h.name).length;
  return [...TESTBED.hosts].sort((a, b) => count(b) - count(a))[0] ?? TESTBED.hosts[0];
}

/**
 * Samples, until stopped, the fewest serving replicas of any of these services across
 * the whole cluster: a move or update that starts the replacement first never lets a
 * service drop below the replicas that were serving. Each new low is logged with what
 * served then, which says what a failed check is about.
 */
export function servingLow(services: string | readonly string[]): { stop: () => Promise<number> } {
  const names = typeof services === "string" ? [services] : services;
  let low = Infinity;
  let done = false;
  const loop = (async () => {
    while (!done) {
      const all = await managed().catch(() => undefined);
      for (const s of all === undefined ? [] : names) {
        const n = serving(replicas(all ?? []).filter((c) => c.service === s)).length;
        if (n >= low) continue;
        low = n;
        const what = (all ?? []).map((c) => `${c.service}/${c.slot}@${c.host}:${c.state}:${c.health}`);
        process.stderr.write(`[drill] low ${s}=${n}: ${what.join(" ")}\n`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
      return low;
    },
  };
}

/** Container id → its gitfleet.commit label (the commit it was created for), on these hosts. */
export async function commitLabels(hosts: readonly TestbedHost[]): Promise<Map<string, string>> {
  const lists = await Promise.all(
    hosts.map((h) =>
      dockerFor(h, { timeoutMs: 5_000 }).listContainers({
        all: true,
        filters: { label: [`gitfleet.cluster=${CLUSTER}`] },
      }),
    ),
  );
  return new Map(lists.flat().map((c) => [c.Id, c.Labels["gitfleet.commit"] ?? ""]));
}
