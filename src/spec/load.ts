// The whole pipeline for one commit's files: select and decode, parse YAML,
// sort documents by kind, validate each against its schema, normalise the
// valid ones, then run the checks that span documents. Every problem found
// anywhere is reported; a state is returned only when there are none.
// Per-file and per-document work goes through a SpecLoadCache (a fresh one
// unless the caller keeps one): a fresh load and a cached one run the same code.

import { createHash } from "node:crypto";
import { BASELINE_CEILING, type Ceiling } from "../model/ceiling.js";
import type { LoadResult, RepoFile, RepoFiles, SourceRef, SpecError } from "../model/spec.js";
import { readEnvFiles, type EnvFromFiles } from "./compose/env-file.js";
import type { VariableLookup } from "./compose/interpolate.js";
import { applyKeyFates } from "./compose/service-keys.js";
import { DOT_ENV, redactValues, SpecVariables } from "./compose/variables.js";
import { Problems } from "./errors.js";
import type { Layer } from "./context.js";
import { CLUSTER_FILE, SERVICES_DIR, selectSpecFiles, type SpecFile } from "./files.js";
import { warnIgnoredFiles } from "./ignored-files.js";
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from "./limits.js";
import { loadCluster } from "./load-cluster.js";
import { reportSchemaErrors } from "./messages.js";
import {
  normaliseService,
  type EnvInputs,
  type LoadedService,
  type StackScope,
} from "./normalise-service.js";
import { SpecLoadCache, type FileEntry, type ServiceEntry } from "./load-cache.js";
import { parseFile, type YamlDoc } from "./parse.js";
import { ProblemLog, replay } from "./problem-log.js";
import { docStart, locate } from "./positions.js";
import type { RawService } from "./raw.js";
import { checkDependsOn } from "./rules-graph.js";
import { checkTotalReplicas } from "./rules-bounds.js";
import { checkPlacement } from "./rules-placement.js";
import { checkServicesCeiling } from "./rules-ceiling-services.js";
import { checkNoEffect } from "./rules-no-effect.js";
import { checkPolicy } from "./rules-policy.js";
import { checkDuplicateServices, checkPortConflicts, stringField } from "./rules-unique.js";
import { validateAgainstSchema } from "./schemas.js";
import { soundPart } from "./sound-parts.js";
import { didYouMean } from "./suggest.js";
import { loadStack, pickComposeFiles, type StackService } from "./stacks/load-stacks.js";
import type { VolumeDecl } from "../model/spec.js";

type Kind = "Service" | "Cluster";

/** Stands in for a stack service's full name (which holds "_") while the schema judges the rest. */
const STACK_PLACEHOLDER = "stack-service";

export interface LoadOptions {
  /** The operator's ceiling; the baseline profile when not given. */
  readonly ceiling?: Ceiling;
  /** Sizes, depths and alias counts; DEFAULT_SPEC_LIMITS when not given. */
  readonly limits?: SpecLimits;
  /**
   * Variables for `${VAR}` interpolation supplied by the operator configuration
   * (they win over a `.env` file in the commit). Never the process environment
   * unless the configuration put some of it here.
   */
  readonly variables?: Readonly<Record<string, string>>;
}

/**
 * `cache`: kept across loads to parse only what changed; `blobIds`: path → Git blob id
 * of each file (the cache key; without one, the file's text is the key).
 */
export function loadRepo(
  repo: RepoFiles,
  options: LoadOptions = {},
  cache: SpecLoadCache = new SpecLoadCache(),
  blobIds?: ReadonlyMap<string, string>,
): LoadResult {
  cache.begin(JSON.stringify(options));
  try {
    return loadWith(repo, options, cache, blobIds);
  } finally {
    cache.end();
  }
}

function loadWith(
  repo: RepoFiles,
  options: LoadOptions,
  cache: SpecLoadCache,
  blobIds: ReadonlyMap<string, string> | undefined,
): LoadResult {
  const ceiling = options.ceiling ?? BASELINE_CEILING;
  const limits = options.limits ?? DEFAULT_SPEC_LIMITS;
  const problems = new Problems();
  const selected = selectSpecFiles(repo, problems, limits);
  warnIgnoredFiles(repo, problems);
  const envFiles = new Map(selected.files.filter((f) => f.role === "env").map((f) => [f.path, f.text]));
  for (const [path, content] of stackEnvFiles(selected.stackData)) envFiles.set(path, content);
  const variables = new SpecVariables(options.variables ?? {}, envFiles);
  const docs = parseFiles(selected, { variables, cache, blobIds, limits, problems });
  checkClusterFiles(selected, docs.clusterDocs, problems);
  const cluster = loadCluster(docs.clusterDocs[0], ceiling, problems);
  const services = validateServices(docs, cluster.defaults, cache, problems);
  if (docs.serviceDocs.length === 0 && selected.clusterPresent) {
    problems.warn(
      start(CLUSTER_FILE),
      "no-services",
      "the repository declares no services (no kind: Service document under services/, no stack under stacks/): applying it removes every running service",
    );
  }
  const known = new Set(
    docs.serviceDocs.map((d) => stringField(d.value, "name")).filter((n) => n !== undefined),
  );
  checkAcrossServices(services, known, cluster, ceiling, problems);
  if (cluster.spec === undefined && problems.count === 0) {
    // Every way to lose the cluster reports itself; this only guards against an error-free rejection.
    problems.add(start(CLUSTER_FILE), "missing-cluster", "cluster.yaml holds no kind: Cluster document");
  }
  for (const p of variables.problems()) problems.add(p.at, p.code, p.message);
  // Values of secret-named variables never reach a message (messages go to status and logs).
  const secrets = [...variables.secretValues(), ...[...docs.docEnv.values()].flatMap((e) => e.secretValues)];
  const redact = (list: readonly SpecError[]): SpecError[] =>
    list.map((e) => (secrets.length === 0 ? e : { ...e, message: redactValues(e.message, secrets) }));
  const warnings = redact(problems.warnings());
  if (problems.count > 0 || cluster.spec === undefined)
    return { ok: false, errors: redact(problems.sorted()), warnings };
  const specs = services.map((s) => s.spec).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { stackVolumes } = docs;
  const volumes = { ...stackVolumes, ...cluster.spec.volumes };
  const clusterSpec = Object.keys(stackVolumes).length > 0 ? { ...cluster.spec, volumes } : cluster.spec;
  return { ok: true, state: { cluster: clusterSpec, services: specs }, warnings };
}

type Selected = ReturnType<typeof selectSpecFiles>;

/** The documents of every file, sorted by kind, with what each service document's values come from. */
interface ParsedDocs {
  readonly clusterDocs: YamlDoc[];
  readonly serviceDocs: YamlDoc[];
  readonly stackScopes: Map<YamlDoc, StackScope>;
  readonly stackVolumes: Record<string, VolumeDecl>;
  readonly docEnv: Map<YamlDoc, EnvFromFiles>;
  readonly lookups: Map<YamlDoc, VariableLookup>;
}

interface ParseInputs {
  readonly variables: SpecVariables;
  readonly cache: SpecLoadCache;
  readonly blobIds: ReadonlyMap<string, string> | undefined;
  readonly limits: SpecLimits;
  readonly problems: Problems;
}

/** Every selected file parsed (through the cache) and its documents sorted by kind. */
function parseFiles(selected: Selected, inputs: ParseInputs): ParsedDocs {
  const { variables, cache, limits, problems } = inputs;
  const docs: ParsedDocs = {
    clusterDocs: [],
    serviceDocs: [],
    stackScopes: new Map(),
    stackVolumes: {},
    docEnv: new Map(),
    lookups: new Map(),
  };
  const composeFiles = pickComposeFiles(
    selected.files.filter((f) => f.role === "stack").map((f) => f.path),
    problems,
  );
  const envData: ReadonlyMap<string, RepoFile> = new Map(
    selected.files.filter((f) => f.role === "env").map((f) => [f.path, f.text]),
  );
  for (const file of selected.files) {
    if (file.role === "stack" && !composeFiles.has(file.path)) continue;
    if (file.role === "env") continue; // read only as variables (interpolation, env_file)
    // Service documents and Compose files are interpolated as Compose does; cluster.yaml is gitfleet's own and literal.
    const lookup = file.role === "cluster" ? undefined : variables.lookupFor(file.path);
    const key = fileKey(file, lookup !== undefined, selected.stackData, envData, inputs);
    const entry = cache.file(key, () => parseAndSort(file, limits, lookup, selected.stackData, envData));
    replay(entry.problems, problems);
    docs.clusterDocs.push(...entry.clusterDocs);
    docs.serviceDocs.push(...entry.serviceDocs);
    for (const [d, e] of entry.docEnv) docs.docEnv.set(d, e);
    if (lookup !== undefined) for (const d of entry.serviceDocs) docs.lookups.set(d, lookup);
    for (const s of entry.stackServices) docs.stackScopes.set(s.doc, s);
    Object.assign(docs.stackVolumes, entry.stackVolumes);
  }
  return docs;
}

/** The cache key of one file's parse: its blob id (else its text) and whatever else its parse reads. */
function fileKey(
  file: SpecFile,
  interpolated: boolean,
  stackData: ReadonlyMap<string, RepoFile>,
  envData: ReadonlyMap<string, RepoFile>,
  { variables, blobIds }: ParseInputs,
): string {
  const id = blobIds?.get(file.path);
  // The parse depends on the .env beside the file too (the operator's variables are in the options).
  const env = interpolated ? `\0env:${variables.envTextFor(file.path) ?? ""}` : "";
  // A stack's services depend on its folder's files too (configs): their ids or contents count.
  const data =
    file.role === "stack"
      ? `\0data:${stackDataKey(file.path, stackData, blobIds)}`
      : file.role === "service" && file.text.includes("env_file")
        ? `\0envfiles:${envFilesKey(envData)}`
        : "";
  return `${file.path}\0${id === undefined ? `text:${file.text}` : `blob:${id}`}${env}${data}`;
}

/** cluster.yaml is there and holds one Cluster document. */
function checkClusterFiles(selected: Selected, clusterDocs: readonly YamlDoc[], problems: Problems): void {
  if (!selected.clusterPresent) {
    const hint = selected.clusterYml ? " (found cluster.yml: rename it to cluster.yaml)" : "";
    // No line:col: there is no file to point into.
    problems.add(
      { path: CLUSTER_FILE, line: 0, col: 0 },
      "missing-cluster",
      `the file is missing: the repository needs a cluster.yaml at its root, holding one kind: Cluster document with a name and its hosts (gitfleet init writes a starting one)${hint}`,
    );
  }
  for (const extra of clusterDocs.slice(1)) {
    problems.add(
      docStart(extra),
      "multiple-clusters",
      "cluster.yaml must hold exactly one kind: Cluster document",
    );
  }
}

/** Each Service document validated and normalised (through the cache); the first of a name only counts. */
function validateServices(
  docs: ParsedDocs,
  defaults: Layer | undefined,
  cache: SpecLoadCache,
  problems: Problems,
): LoadedService[] {
  const firsts = checkDuplicateServices(docs.serviceDocs, problems);
  const envInputs = (d: YamlDoc): EnvInputs => {
    const fromFiles = docs.docEnv.get(d);
    const lookup = docs.lookups.get(d);
    return { ...(fromFiles && { fromFiles }), ...(lookup && { lookup }) };
  };
  const clusterDoc = docs.clusterDocs[0];
  const services: LoadedService[] = [];
  for (const d of docs.serviceDocs) {
    const first = firsts.has(d);
    const entry = cache.service(d, clusterDoc, first, () =>
      validateService(d, first, clusterDoc, defaults, docs.stackScopes.get(d), envInputs(d)),
    );
    replay(entry.problems, problems);
    if (entry.loaded !== undefined) services.push(entry.loaded);
  }
  checkNoEffect(services, problems);
  return services;
}

/** The rules that span services: dependencies, ports, totals, policy, the ceiling, placement. */
function checkAcrossServices(
  services: readonly LoadedService[],
  known: ReadonlySet<string>,
  cluster: ReturnType<typeof loadCluster>,
  ceiling: Ceiling,
  problems: Problems,
): void {
  checkDependsOn(services, known, problems);
  checkPortConflicts(services, problems);
  checkTotalReplicas(services, cluster.hosts?.length ?? 0, problems);
  if (cluster.policy) checkPolicy(services, cluster.policy, ceiling, problems);
  checkServicesCeiling(services, cluster.hosts, ceiling, problems);
  if (cluster.hosts) checkPlacement(services, cluster.hosts, problems);
}

/** What the files of a Compose file's folder are: their blob ids, else a digest of their contents. */
function stackDataKey(
  composePath: string,
  data: ReadonlyMap<string, RepoFile>,
  blobIds: ReadonlyMap<string, string> | undefined,
): string {
  const dir = composePath.slice(0, composePath.lastIndexOf("/") + 1);
  const hash = createHash("sha256");
  for (const [path, content] of [...data]
    .filter(([p]) => p.startsWith(dir))
    .sort(([a], [b]) => (a < b ? -1 : 1))) {
    const id = blobIds?.get(path);
    hash.update(`${path}\0`);
    if (id !== undefined) hash.update(`blob:${id}`);
    else if (typeof content === "string" || content instanceof Uint8Array) hash.update(content);
    else hash.update(`unread:${content.unread}:${content.size}`);
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The variables files under services/ (what env_file of services/ documents may name). */
function envFilesKey(envData: ReadonlyMap<string, RepoFile>): string {
  const hash = createHash("sha256");
  for (const [path, text] of [...envData].sort(([a], [b]) => (a < b ? -1 : 1)))
    hash.update(`${path}\0${typeof text === "string" ? text : ""}\0`);
  return hash.digest("hex");
}

/** One file parsed, its documents sorted by kind (or its stack loaded), and what that reported (recorded for replay). */
function parseAndSort(
  file: SpecFile,
  limits: SpecLimits,
  variables: VariableLookup | undefined,
  stackData: ReadonlyMap<string, RepoFile>,
  envData: ReadonlyMap<string, RepoFile>,
): FileEntry {
  const log = new ProblemLog();
  const parsed = parseFile(file, log, limits, variables);
  const clusterDocs: YamlDoc[] = [];
  const serviceDocs: YamlDoc[] = [];
  const stackServices: StackService[] = [];
  let stackVolumes: Readonly<Record<string, VolumeDecl>> = {};
  const docEnv = new Map<YamlDoc, EnvFromFiles>();
  if (!parsed.hasContent) {
    log.add(start(file.path), "empty-file", emptyMessage(file.role));
  } else if (file.role === "stack") {
    const stack = loadStack(parsed.docs, stackData, log, variables);
    for (const s of stack.services) {
      serviceDocs.push(s.doc);
      stackServices.push(s);
      if (s.env !== undefined) docEnv.set(s.doc, s.env);
    }
    stackVolumes = stack.volumes;
  } else {
    for (const d of parsed.docs) {
      const kind = kindOf(d, log);
      if (kind === "Cluster") clusterDocs.push(d);
      if (kind === "Service") serviceDocs.push(withEnvFiles(d, envData, variables, log, docEnv));
    }
  }
  return { clusterDocs, serviceDocs, stackServices, stackVolumes, docEnv, problems: log.entries };
}

/** A services/ document's env_file read (into `docEnv`) and taken out of the document the schema sees. */
function withEnvFiles(
  d: YamlDoc,
  envData: ReadonlyMap<string, RepoFile>,
  lookup: VariableLookup | undefined,
  problems: Problems,
  docEnv: Map<YamlDoc, EnvFromFiles>,
): YamlDoc {
  const value = d.value as Record<string, unknown>;
  if (!("env_file" in value)) return d;
  const path = d.file.path;
  const scope = {
    dir: path.slice(0, path.lastIndexOf("/")),
    root: SERVICES_DIR,
    rootName: `${SERVICES_DIR} (its variables files: .env, *.env, .env.*)`,
    files: envData,
    lookup: lookup ?? (() => undefined),
  };
  const env = readEnvFiles(d, value["env_file"], scope, problems);
  const { env_file: _dropped, ...rest } = value;
  const out: YamlDoc = { ...d, value: rest };
  if (env !== undefined) docEnv.set(out, env);
  return out;
}

/** One Service document checked against its schema and normalised (its sound parts when it fails). */
function validateService(
  d: YamlDoc,
  first: boolean,
  clusterDoc: YamlDoc | undefined,
  defaults: Layer | undefined,
  scope: StackScope | undefined,
  env: EnvInputs,
): ServiceEntry {
  const log = new ProblemLog();
  // A stack's service is named <stack>_<service> (checked by the stack loader); the schema's
  // DNS-label rule is for services/ names, so it judges the rest of the document only.
  const named0 = scope !== undefined ? { ...(d.value as object), name: STACK_PLACEHOLDER } : d.value;
  // Every Compose key has a decided fate: ignored ones warn, refused ones say what to do; both go.
  const value = applyKeyFates(d, named0, scope !== undefined, log);
  const named = (v: unknown): RawService =>
    (scope !== undefined ? { ...(v as object), name: (d.value as RawService).name } : v) as RawService;
  const errors = validateAgainstSchema("Service", value);
  let loaded: LoadedService | undefined;
  if (errors.length > 0) {
    reportSchemaErrors(d, "Service", errors, log);
    // Its sound parts still meet every other rule: all problems of a commit in one run.
    const sound = first ? soundPart("Service", value, errors) : undefined;
    if (sound !== undefined) loaded = normaliseService(d, named(sound), defaults, log, scope, env);
  } else if (first) {
    loaded = normaliseService(d, named(value), defaults, log, scope, env);
  }
  return { cluster: clusterDoc, first, loaded, problems: log.entries };
}

/** The document's kind when it is the right one for its file; otherwise reports why not. */
function kindOf(d: YamlDoc, problems: Problems): Kind | undefined {
  const expected = d.file.role === "cluster" ? "Cluster" : "Service";
  const value = d.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? "a list" : `the value ${JSON.stringify(value)}`;
    problems.add(
      docStart(d),
      "not-a-mapping",
      `a document must be a mapping with kind: ${expected}, not ${got}`,
    );
    return undefined;
  }
  const kind = (value as Record<string, unknown>).kind;
  if (kind === undefined) {
    problems.add(docStart(d), "missing-kind", `document has no kind: add "kind: ${expected}"`);
    return undefined;
  }
  if (kind === expected) return expected;
  const at = locate(d, ["kind"]);
  if (kind === "Cluster" || kind === "Service") {
    const message =
      kind === "Cluster"
        ? "kind: Cluster belongs in cluster.yaml at the repository root, not under services/"
        : "cluster.yaml holds only the kind: Cluster document; put services in services/*.yaml";
    problems.add(at, "wrong-kind", message);
    return undefined;
  }
  const close = typeof kind === "string" ? didYouMean(kind, [expected]) : undefined;
  const hint =
    close !== undefined ? `: did you mean "${close}"?` : `; ${d.file.path} must hold kind: ${expected}`;
  problems.add(at, "unknown-kind", `unknown kind ${JSON.stringify(kind)}${hint}`);
  return undefined;
}

function emptyMessage(role: "cluster" | "service" | "env" | "stack"): string {
  if (role === "stack") return "the Compose file is empty: it must hold services:";
  return role === "cluster"
    ? "cluster.yaml is empty: it must hold the kind: Cluster document"
    : "file is empty: a YAML file under services/ must hold at least one kind: Service document";
}

/** A stack folder's `.env` (the one interpolation reads), decoded; one that is not UTF-8 text is left out. */
function stackEnvFiles(data: ReadonlyMap<string, RepoFile>): [string, string][] {
  const out: [string, string][] = [];
  for (const [path, content] of data) {
    if (!path.endsWith(`/${DOT_ENV}`)) continue;
    if (typeof content === "string") out.push([path, content]);
    else if (content instanceof Uint8Array) {
      try {
        out.push([path, new TextDecoder("utf-8", { fatal: true }).decode(content)]);
      } catch {
        // Not text: no variables from it; a value that needs one says so where it is used.
      }
    }
  }
  return out;
}

function start(path: string): SourceRef {
  return { path, line: 1, col: 1 };
}
