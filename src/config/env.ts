// Environment overrides, applied to the raw document before validation so
// they are checked by the same schema; each remembers its variable so a bad
// value is reported against it rather than against the file.

export type Env = Readonly<Record<string, string | undefined>>;

interface Override {
  readonly env: string;
  /** Path in the raw document. */
  readonly path: readonly string[];
  /** Sibling keys that the override replaces (url replaces path...). */
  readonly clears?: readonly string[];
  readonly convert?: (text: string) => unknown;
}

const integer = (t: string): unknown => (/^[0-9]+$/.test(t) ? Number(t) : t);
const list = (t: string): unknown =>
  t
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

export const ENV_OVERRIDES: readonly Override[] = [
  { env: "GITFLEET_REPO_URL", path: ["repository", "url"], clears: ["path"] },
  { env: "GITFLEET_REPO_PATH", path: ["repository", "path"], clears: ["url"] },
  { env: "GITFLEET_BRANCH", path: ["repository", "branch"], clears: ["tag", "semver"] },
  { env: "GITFLEET_TAG", path: ["repository", "tag"], clears: ["branch", "semver"] },
  { env: "GITFLEET_SEMVER", path: ["repository", "semver"], clears: ["branch", "tag"] },
  { env: "GITFLEET_CREDENTIALS", path: ["repository", "credentials"] },
  { env: "GITFLEET_POLL", path: ["poll"] },
  { env: "GITFLEET_STATUS_BRANCH", path: ["status", "branch"] },
  { env: "GITFLEET_SECRETS_DIR", path: ["secrets_dir"] },
  { env: "GITFLEET_WORK_DIR", path: ["work_dir"] },
  { env: "GITFLEET_HEAP_TARGET", path: ["heap_target"] },
  { env: "GITFLEET_WEBHOOK_SECRET", path: ["webhook", "secret"], clears: ["secret_file"] },
  { env: "GITFLEET_WEBHOOK_SECRET_FILE", path: ["webhook", "secret_file"], clears: ["secret"] },
  { env: "GITFLEET_LISTEN", path: ["webhook", "listen"] },
  { env: "GITFLEET_METRICS_LISTEN", path: ["metrics", "listen"] },
  { env: "GITFLEET_TRUSTED_KEYS", path: ["signature", "trusted_keys"], convert: list },
  { env: "GITFLEET_CONCURRENCY", path: ["docker", "concurrency"], convert: integer },
  { env: "GITFLEET_TASKS_PER_HOST", path: ["tasks", "per_host"], convert: integer },
  { env: "GITFLEET_TASKS_TOTAL", path: ["tasks", "total"], convert: integer },
];

export interface Overridden {
  readonly value: Record<string, unknown>;
  /** JSON pointer ("/repository/url") → the variable that set it. */
  readonly sources: ReadonlyMap<string, string>;
}

/** A copy of `raw` with every set GITFLEET_* variable applied (empty counts as unset). */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Overridden {
  const value = structuredClone(raw);
  const sources = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const text = env[o.env];
    if (text === undefined || text === "") continue;
    let parent: Record<string, unknown> = value;
    for (const key of o.path.slice(0, -1)) {
      const child = parent[key];
      if (typeof child !== "object" || child === null || Array.isArray(child)) parent[key] = {};
      parent = parent[key] as Record<string, unknown>;
    }
    const last = o.path[o.path.length - 1] ?? "";
    for (const c of o.clears ?? []) delete parent[c];
    parent[last] = o.convert ? o.convert(text) : text;
    sources.set(`/${o.path.join("/")}`, o.env);
  }
  return { value, sources };
}
