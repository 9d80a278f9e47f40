// How much of a commit the loader takes in. Git content is input from
// whoever can push: every size, depth and count has an upper bound, and the
// readers (Git tree, directory) apply the same budget before reading a byte,
// so a huge file is never inflated and the loader reports exactly what the
// readers skipped. The operator configuration may change the sizes.

export interface SpecLimits {
  /** Largest spec file, in bytes. */
  readonly maxFileBytes: number;
  /** All spec files of one commit together, in bytes. */
  readonly maxCommitBytes: number;
  /** Deepest nesting of mappings and lists in a YAML document. */
  readonly maxDepth: number;
  /** Alias nodes a document may resolve (bounds "billion laughs" expansion). */
  readonly maxAliasCount: number;
}

export const DEFAULT_SPEC_LIMITS: SpecLimits = {
  maxFileBytes: 1024 * 1024,
  maxCommitBytes: 32 * 1024 * 1024,
  maxDepth: 64,
  maxAliasCount: 100,
};

/** The longest duration any spec field may hold: no timer then overflows Node's 2^31 ms. */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/** All replicas of a commit together: the scheduler and planner are measured up to this many. */
export const MAX_TOTAL_REPLICAS = 100_000;

export const CLUSTER_FILE = "cluster.yaml";
export const SERVICES_DIR = "services/";
export const STACKS_DIR = "stacks/";
/** The names Compose itself looks for, in its order of preference; a stack holds exactly one. */
export const COMPOSE_FILE_NAMES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
];

/**
 * cluster: cluster.yaml; service: a services/ YAML file; env: a variables file under services/
 * (`.env`, `*.env`, `.env.*`: interpolation and env_file read it, never as YAML); stack: a
 * stack's Compose file (stacks/<stack>/compose.yaml); stack-file: any other file of a stack's
 * folder (its .env, env_file and config files), read as data only when the Compose file names it.
 */
export type FileRole = "cluster" | "service" | "env" | "stack" | "stack-file";

/** Names of variables files, as Compose projects name them: `.env`, `app.env`, `.env.local`. */
const ENV_FILE = /(?:^|\/)(?:\.env(?:\.[^/]*)?|[^/]+\.env)$/;

/** What the loader reads: cluster.yaml, *.yaml / *.yml and variables files anywhere under services/, and the stacks' folders. */
export function roleOf(path: string): FileRole | undefined {
  if (path === CLUSTER_FILE) return "cluster";
  if (path.startsWith(SERVICES_DIR) && /\.ya?ml$/i.test(path)) return "service";
  if (path.startsWith(SERVICES_DIR) && ENV_FILE.test(path)) return "env";
  if (path.startsWith(STACKS_DIR)) {
    const parts = path.split("/");
    if (parts.length < 3 || parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
    return parts.length === 3 && COMPOSE_FILE_NAMES.includes(parts[2] ?? "") ? "stack" : "stack-file";
  }
  return undefined;
}

export type SizeVerdict = "read" | "too-large" | "over-budget";

/**
 * The verdict on each spec file from its size alone, in path order (the
 * stacks' data files after every spec): larger
 * than a file may be, past what the commit may hold (counting the files read
 * before it), or to be read. Readers and the loader use this one rule, so what
 * a reader skipped is what the loader reports.
 */
export function budgetFiles(
  sizes: Iterable<readonly [string, number]>,
  limits: SpecLimits,
): Map<string, SizeVerdict> {
  // Specs first, then the stacks' data files: a large data file never pushes a spec out of the budget.
  const rank = (path: string): number => (roleOf(path) === "stack-file" ? 1 : 0);
  const sorted = [...sizes].sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const verdicts = new Map<string, SizeVerdict>();
  let total = 0;
  for (const [path, size] of sorted) {
    if (size > limits.maxFileBytes) verdicts.set(path, "too-large");
    else if (total + size > limits.maxCommitBytes) verdicts.set(path, "over-budget");
    else {
      total += size;
      verdicts.set(path, "read");
    }
  }
  return verdicts;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${n} bytes`;
}
