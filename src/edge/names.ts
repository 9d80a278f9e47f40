// HAProxy identifiers for what the edge renders. They are stable (a reload
// keeps server names, so `show stat` lines keep meaning the same replica) and
// reversible for backends, so status can map runtime counters back to a
// service port without the plan at hand.

/** HAProxy accepts letters, digits, '-', '_', '.', ':' in proxy and server names. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]/g, "_");
}

/** The target port is the last "_" part, so service names may hold "_" themselves (a stack's shop_web). */
export function backendName(service: string, target: number): string {
  return `be_${safe(service)}_${target}`;
}

export function parseBackendName(name: string): { service: string; target: number } | undefined {
  const m = /^be_([A-Za-z0-9_.:-]+)_(\d{1,5})$/.exec(name);
  if (m === null) return undefined;
  return { service: m[1] ?? "", target: Number(m[2]) };
}

export function frontendName(bind: string, port: number): string {
  return `fe_${bind === "*" ? "any" : safe(bind)}_${port}`;
}

/** Two containers may share a name on different hosts (a slot duplicated by a partition). */
export function serverName(host: string, replicaName: string): string {
  return `${safe(host)}:${safe(replicaName)}`;
}

/** Deterministic, locale-independent ordering for strings. */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
