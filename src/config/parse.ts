// The operator configuration from YAML text plus environment: every problem
// found at once, as `file:line:col: message`, or a normalised OperatorConfig.
// Pure: the caller reads the file and passes the environment.

import path from "node:path";
import { validate as validateCron } from "node-cron";
import { LineCounter, parseDocument, type Document } from "yaml";
import { missingColon } from "../spec/parse.js";
import { parseDuration } from "../spec/units.js";
import { guardDocument } from "../spec/yaml-guards.js";
import { matchesAny } from "../model/ceiling.js";
import { parseCeiling } from "./ceiling.js";
import { parseLeaderElection } from "./leader-election.js";
import { parseHeapTarget } from "./memory.js";
import { parseTasks } from "./tasks.js";
import { parseLimits } from "./limits.js";
import { DEFAULT_METRICS_LISTEN, parseHealth, parseNotifications } from "./outward.js";
import { applyEnvOverrides, type Env } from "./env.js";
import { ConfigError, type ConfigIssue, type ConfigPlace, type ConfigWarning } from "./errors.js";
import { locate } from "./locate.js";
import { schemaProblems } from "./schema.js";
import type { Problem } from "./problem.js";
import { CONFIG_DEFAULTS, type ListenAddress, type OperatorConfig, type RefSelector } from "./types.js";

export interface ParseOptions {
  /** Shown in messages; relative paths in the file resolve against its directory. */
  readonly file?: string;
  /** Where relative paths resolve when there is no file (normally the working directory). */
  readonly baseDir: string;
  readonly env?: Env;
}

type Raw = Record<string, unknown>;

/** The configuration is a few levels deep; far more is a broken or hostile file. */
const CONFIG_MAX_DEPTH = 32;

export function parseOperatorConfig(text: string, opts: ParseOptions): OperatorConfig {
  const file = opts.file;
  const { doc, lines, js } = readDocument(text, file);
  const { value, sources } = applyEnvOverrides(js, opts.env ?? {});
  const issues: ConfigIssue[] = [];
  // Where a pointer's value came from: an env var (itself or an ancestor) or the file.
  const where = (pointer: string, atKey = false): ConfigPlace => {
    for (const [p, env] of sources) if (pointer === p || pointer.startsWith(`${p}/`)) return { env };
    if (file === undefined) return {}; // nothing to point at: configured by environment only
    const pos = locate(doc, lines, pointer, atKey);
    return { file, line: pos.line, col: pos.col };
  };
  // Checks below still run after schema problems (every problem at once), but
  // say nothing more about a value the schema already refused.
  const refused = new Set<string>();
  for (const p of schemaProblems(value)) {
    refused.add(p.pointer);
    const hint =
      file === undefined && p.pointer === "" && p.message.includes('"repository"')
        ? " (no config file: set GITFLEET_REPO_URL or GITFLEET_REPO_PATH)"
        : "";
    issues.push({ ...where(p.pointer, p.atKey), code: p.code, message: p.message + hint });
  }
  const baseDir = file !== undefined ? path.dirname(path.resolve(opts.baseDir, file)) : opts.baseDir;
  const parts: Parts = {
    value,
    resolve: (p) => path.resolve(baseDir, p),
    problem: (pointer, code, message) => {
      if (!refused.has(pointer)) issues.push({ ...where(pointer), code, message });
    },
    where,
  };
  const config = assemble(parts, file !== undefined ? path.resolve(opts.baseDir, file) : undefined, opts);
  if (
    config.leaderElection !== undefined &&
    config.leaderElection.key === undefined &&
    config.ceiling.cluster === undefined
  ) {
    // Two fleets sharing an etcd must never share a leader: the key has to name this fleet.
    parts.problem(
      "/leader_election",
      "config-missing-key",
      "set leader_election.key, or pin the cluster name in ceiling.cluster (the key is then gitfleet/<cluster>/leader)",
    );
  }
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  return config;
}

/** What every part's parser is given: the values (file and environment merged) and how to report. */
interface Parts {
  readonly value: Raw;
  /** A path relative to the configuration file's folder, made absolute. */
  readonly resolve: (p: string) => string;
  /** A problem at a JSON pointer (silent where the schema already refused the value). */
  readonly problem: Problem;
  readonly where: (pointer: string, atKey?: boolean) => ConfigPlace;
}

/** The YAML document, parsed and guarded; every syntax problem at once, with its line and column. */
function readDocument(
  text: string,
  file: string | undefined,
): { readonly doc: Document; readonly lines: LineCounter; readonly js: Raw } {
  const lines = new LineCounter();
  // Duplicate keys are found by guardDocument, which names the key and where it was first set.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const issues: ConfigIssue[] = [];
  for (const e of doc.errors) {
    const missing = missingColon(text, e.code, e.pos[0]);
    const pos = missing ? lines.linePos(missing.offset) : e.linePos?.[0];
    // prettyErrors appends " at line L, column C:" and a code excerpt; we give line:col ourselves.
    const message =
      e.code === "MULTIPLE_DOCS"
        ? "the configuration must be a single YAML document"
        : (missing?.message ??
          (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ""));
    const at = pos ? { line: pos.line, col: pos.col } : {};
    issues.push({ ...fileRef(file), ...at, code: "config-yaml-syntax", message });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const guarded = guardDocument(doc, {
    maxDepth: CONFIG_MAX_DEPTH,
    merge: false,
    posOf: (offset) => lines.linePos(offset),
  });
  for (const g of guarded) {
    const pos = lines.linePos(g.offset);
    issues.push({
      ...fileRef(file),
      line: pos.line,
      col: pos.col,
      code: `config-${g.code}`,
      message: g.message,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const js: unknown = doc.toJS() ?? {};
  if (typeof js !== "object" || js === null || Array.isArray(js)) {
    throw new ConfigError([
      {
        ...fileRef(file),
        line: 1,
        col: 1,
        code: "config-not-a-mapping",
        message: "the configuration must be a mapping",
      },
    ]);
  }
  return { doc: doc as Document, lines, js: js as Raw };
}

/** The configuration from its parts, each parsed by its own function. */
// eslint-disable-next-line max-lines-per-function -- one field per key of OperatorConfig, each from its own parser: the configuration's shape on one page
function assemble(p: Parts, file: string | undefined, opts: ParseOptions): OperatorConfig {
  const { value, resolve, problem } = p;
  const repository = parseRepository(p);
  const poll = str(value["poll"]) ?? CONFIG_DEFAULTS.poll;
  if (!validateCron(poll)) {
    problem(
      "/poll",
      "config-bad-cron",
      `not a valid cron schedule; write six fields with seconds, e.g. "${CONFIG_DEFAULTS.poll}"`,
    );
  }
  const ref = repository.ref;
  const statusBranch = str((value["status"] as Raw | undefined)?.["branch"]) ?? CONFIG_DEFAULTS.statusBranch;
  const sameBranch = statusBranch === "same";
  if (sameBranch && ref.kind !== "branch") {
    problem(
      "/status/branch",
      "config-conflict",
      `"same" needs the repository to follow a branch, not a ${ref.kind}`,
    );
  }
  const { webhook, warnings } = parseWebhook(p);
  const metricsRaw = value["metrics"] as Raw | undefined;
  const notifications = parseNotifications(value["notifications"], problem);
  return {
    ...(file !== undefined ? { file } : {}),
    repository,
    poll,
    status: { branch: sameBranch ? ref.value : statusBranch, sameBranch },
    secretsDir: resolve(str(value["secrets_dir"]) ?? CONFIG_DEFAULTS.secretsDir),
    workDir: resolve(str(value["work_dir"]) ?? CONFIG_DEFAULTS.workDir),
    ...(webhook !== undefined ? { webhook } : {}),
    signature: {
      trustedKeyFiles: (
        ((value["signature"] as Raw | undefined)?.["trusted_keys"] as string[] | undefined) ?? []
      ).map(resolve),
    },
    ...(metricsRaw !== undefined
      ? {
          metrics: {
            listen: listenAt(p, "/metrics/listen", str(metricsRaw["listen"]) ?? DEFAULT_METRICS_LISTEN),
          },
        }
      : {}),
    health: parseHealth(value["health"], problem),
    ...(notifications !== undefined ? { notifications } : {}),
    docker: parseDocker(p),
    ceiling: parseCeiling(value["ceiling"], problem),
    limits: parseLimits(value["limits"], problem),
    ...optional("heapTargetBytes", parseHeapTarget(value["heap_target"], problem)),
    ...optional("tasks", parseTasks(value["tasks"], problem)),
    ...optional("leaderElection", parseLeaderElection(value["leader_election"], problem)),
    ...variablesPart(interpolationVariables(value, opts.env ?? {})),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function parseRepository({ value, resolve, problem }: Parts): OperatorConfig["repository"] {
  const repo = (value["repository"] ?? {}) as Raw;
  const refs = (["branch", "tag", "semver"] as const).filter((k) => typeof repo[k] === "string");
  if (refs.length > 1)
    problem(`/repository/${refs[1]}`, "config-conflict", `give at most one of "branch", "tag", "semver"`);
  const refKind = refs[0] ?? "branch";
  const ref = { kind: refKind, value: str(repo[refKind]) ?? CONFIG_DEFAULTS.branch } as RefSelector;
  return {
    ...(str(repo["url"]) !== undefined ? { url: str(repo["url"]) ?? "" } : {}),
    ...(str(repo["path"]) !== undefined ? { path: resolve(str(repo["path"]) ?? "") } : {}),
    ref,
    ...(str(repo["credentials"]) !== undefined
      ? { credentialsFile: resolve(str(repo["credentials"]) ?? "") }
      : {}),
    ...(repo["allow_force_push"] === true ? { allowForcePush: true } : {}),
  };
}

/** A listen address; a bad one is reported and stands in as an empty address. */
function listenAt({ problem }: Parts, pointer: string, text: string): ListenAddress {
  const parsed = parseListen(text);
  if (typeof parsed === "string") {
    problem(pointer, "config-bad-listen", parsed);
    return { host: "", port: 0, text };
  }
  return parsed;
}

function parseWebhook(p: Parts): {
  readonly webhook: OperatorConfig["webhook"];
  readonly warnings: ConfigWarning[];
} {
  const { value, resolve, problem, where } = p;
  const webhookRaw = value["webhook"] as Raw | undefined;
  const warnings: ConfigWarning[] = [];
  if (webhookRaw === undefined) return { webhook: undefined, warnings };
  if (webhookRaw["secret"] !== undefined && webhookRaw["secret_file"] !== undefined) {
    problem("/webhook/secret_file", "config-conflict", `give at most one of "secret" and "secret_file"`);
  }
  const inlineSecret = str(webhookRaw["secret"]);
  if (inlineSecret !== undefined && Buffer.byteLength(inlineSecret) < MIN_WEBHOOK_SECRET_BYTES) {
    problem("/webhook/secret", "config-weak-secret", webhookSecretTooShort());
  }
  const webhook = {
    listen: listenAt(p, "/webhook/listen", str(webhookRaw["listen"]) ?? CONFIG_DEFAULTS.webhookListen),
    ...(str(webhookRaw["secret"]) !== undefined ? { secret: str(webhookRaw["secret"]) ?? "" } : {}),
    ...(str(webhookRaw["secret_file"]) !== undefined
      ? { secretFile: resolve(str(webhookRaw["secret_file"]) ?? "") }
      : {}),
  };
  if (webhookRaw["secret"] === undefined && webhookRaw["secret_file"] === undefined) {
    warnings.push({
      ...where("/webhook", true),
      code: "webhook-without-secret",
      message:
        "the webhook has no secret, so it is not started and pushes wait for the next poll; " +
        "add secret_file: <a file holding `openssl rand -hex 32`> (or GITFLEET_WEBHOOK_SECRET), and the same secret at the forge",
    });
  }
  return { webhook, warnings };
}

function parseDocker({ value, problem }: Parts): OperatorConfig["docker"] {
  const dockerRaw = (value["docker"] ?? {}) as Raw;
  const duration = (key: string, fallback: number): number => {
    const text = str(dockerRaw[key]);
    if (text === undefined) return fallback;
    const d = parseDuration(text);
    if (!d.ok) problem(`/docker/${key}`, "config-bad-duration", d.reason);
    else if (d.value <= 0) problem(`/docker/${key}`, "config-bad-duration", "must be longer than 0");
    return d.ok ? d.value : fallback;
  };
  return {
    concurrency:
      typeof dockerRaw["concurrency"] === "number" ? dockerRaw["concurrency"] : CONFIG_DEFAULTS.concurrency,
    callTimeoutMs: duration("call_timeout", CONFIG_DEFAULTS.callTimeoutMs),
    pingTimeoutMs: duration("ping_timeout", CONFIG_DEFAULTS.pingTimeoutMs),
    pullTimeoutMs: duration("pull_timeout", CONFIG_DEFAULTS.pullTimeoutMs),
  };
}

/** Environment problems first (by variable), then file problems in reading order. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const key = (i: ConfigIssue): string =>
    i.env !== undefined
      ? `0 ${i.env}`
      : `1 ${String(i.line ?? 0).padStart(6, "0")} ${String(i.col ?? 0).padStart(6, "0")}`;
  return [...issues].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v !== undefined ? { [key]: v } : {}) as { [P in K]?: V };
}

/** `variables:` over the environment variables `variables_from_environment:` names; nothing else of the environment. */
function interpolationVariables(value: Raw, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  const patterns = Array.isArray(value["variables_from_environment"])
    ? (value["variables_from_environment"] as unknown[]).filter((p): p is string => typeof p === "string")
    : [];
  if (patterns.length > 0) {
    for (const [name, v] of Object.entries(env))
      if (v !== undefined && matchesAny(patterns, name)) out[name] = v;
  }
  const own = value["variables"];
  if (typeof own === "object" && own !== null && !Array.isArray(own)) {
    for (const [name, v] of Object.entries(own)) {
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[name] = String(v);
    }
  }
  return out;
}

function variablesPart(variables: Record<string, string>): { variables?: Record<string, string> } {
  return Object.keys(variables).length > 0 ? { variables } : {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function fileRef(file: string | undefined): { file?: string } {
  return file !== undefined ? { file } : {};
}

/** "host:port", ":port" or "port"; an empty host means every interface. */
export function parseListen(text: string): ListenAddress | string {
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):)?([0-9]{1,5})$/.exec(text);
  if (!m) return `not a listen address; write host:port, e.g. "0.0.0.0:9000"`;
  const port = Number(m[2]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  const host = (m[1] ?? "").replace(/^\[(.*)\]$/, "$1");
  return { host: host === "" ? "0.0.0.0" : host, port, text };
}

/** A shared secret guessable by brute force protects nothing: the forge's HMAC is only as strong as it. */
export const MIN_WEBHOOK_SECRET_BYTES = 16;

export function webhookSecretTooShort(): string {
  return `the webhook secret is shorter than ${MIN_WEBHOOK_SECRET_BYTES} bytes: use a random one, e.g. \`openssl rand -hex 32\``;
}
