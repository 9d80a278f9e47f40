// stacks/<stack>/compose.yaml → the services of every stack, each as a service
// document of its own (a view into the Compose file, so every problem points
// at the Compose file's line), named `<stack>_<service>` and joined to its
// stack's networks. The rest of the loader then treats them like services/
// documents: the same schema, rules, policy and ceiling.

import type {
  RepoFile,
  SecretFile,
  ServiceFile,
  ServiceNetwork,
  StackOrigin,
  VolumeDecl,
} from "../../model/spec.js";
import { serviceConfigs, stackConfigs } from "./configs.js";
import { serviceSecrets, stackSecrets } from "./secrets.js";
import { readEnvFiles, type EnvFromFiles } from "../compose/env-file.js";
import type { VariableLookup } from "../compose/interpolate.js";
import type { Problems } from "../errors.js";
import type { VolumeNamer } from "../normalise-mounts.js";
import { COMPOSE_FILE_NAMES, STACKS_DIR } from "../limits.js";
import type { YamlDoc } from "../parse.js";
import { docStart, locate } from "../positions.js";
import { didYouMean } from "../suggest.js";
import { fullServiceName, serviceNameProblem, stackNameProblem } from "./names.js";
import { serviceNetworks, stackNetworks } from "./networks.js";
import { stackVolumes, volumeNamer } from "./volumes.js";
import { relativeBinds, type RelativeBind } from "./relative-binds.js";

export interface StackService {
  /** The service's part of the Compose file, with `kind` and its full `name` added to its value. */
  readonly doc: YamlDoc;
  readonly origin: StackOrigin;
  /** The networks its replicas join; undefined with `network_mode: host`. */
  readonly networks: readonly ServiceNetwork[] | undefined;
  /** A name in the stack (depends_on) → its name in the cluster. */
  readonly qualify: (name: string) => string;
  /** A named volume as the service writes it → its name in the cluster; undefined (reported) when undeclared. */
  readonly volume: VolumeNamer;
  /** Its configs, as files in its containers. */
  readonly files: readonly ServiceFile[];
  /** Its env_file: variables read from the stack's folder. */
  readonly env?: EnvFromFiles;
  /** Its secrets, as files of the operator's store in its containers. */
  readonly secretFiles: readonly SecretFile[];
  /** Its bind mounts of paths beside the Compose file, by index in volumes:, as what they stand for. */
  readonly relative: ReadonlyMap<number, RelativeBind>;
}

export interface LoadedStack {
  readonly services: readonly StackService[];
  /** The stack's named volumes, by their names in the cluster. */
  readonly volumes: Readonly<Record<string, VolumeDecl>>;
}

const NOTHING: LoadedStack = { services: [], volumes: {} };

/** Top-level keys of a Compose file; `x-*` extensions are ignored, as in Compose. */
const TOP_LEVEL = ["version", "name", "services", "networks", "volumes", "configs", "secrets"];
/** A service's keys a stack handles itself before the service schema sees the rest. */
const STACK_KEYS = ["networks", "configs", "env_file", "profiles", "secrets"];

/** Compose's variable naming the active profiles (comma-separated; "*" activates all). */
const COMPOSE_PROFILES = "COMPOSE_PROFILES";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function stackOf(path: string): string {
  return path.slice(STACKS_DIR.length).split("/")[0] ?? "";
}

/**
 * Every stack folder must hold exactly one Compose file. Returns the paths to load (the first
 * name in Compose's order of preference when there are several, so the others are reported once).
 */
export function pickComposeFiles(paths: readonly string[], problems: Problems): Set<string> {
  const byStack = new Map<string, string[]>();
  for (const p of paths) byStack.set(stackOf(p), [...(byStack.get(stackOf(p)) ?? []), p]);
  const picked = new Set<string>();
  for (const [stack, files] of byStack) {
    const rank = (p: string): number => COMPOSE_FILE_NAMES.indexOf(p.slice(p.lastIndexOf("/") + 1));
    const sorted = [...files].sort((a, b) => rank(a) - rank(b));
    const [first, ...others] = sorted;
    if (first === undefined) continue;
    picked.add(first);
    for (const other of others) {
      problems.add(
        { path: other, line: 1, col: 1 },
        "multiple-compose-files",
        `stack "${stack}" has more than one Compose file (${sorted.join(", ")}); keep exactly one`,
      );
    }
  }
  return picked;
}

/** The services of one stack's Compose file; `docs` are the file's YAML documents. */
/** `data`: the stack folders' other files (configs are read from them). */
/** `lookup`: the Compose file's interpolation variables (for the env files' `${VAR}` and bare lines). */
export function loadStack(
  docs: readonly YamlDoc[],
  data: ReadonlyMap<string, RepoFile>,
  problems: Problems,
  lookup: VariableLookup = () => undefined,
): LoadedStack {
  const file = composeDocument(docs, problems);
  if (file === undefined) return NOTHING;
  const { doc, stack, services } = file;
  const scope: StackFileScope = {
    doc,
    stack,
    data,
    lookup,
    problems,
    networks: stackNetworks(doc, stack, problems),
    volumes: stackVolumes(doc, stack, problems),
    configs: stackConfigs(doc, stack, data, problems),
    secrets: stackSecrets(doc, problems),
  };
  const out: StackService[] = [];
  const active = new Set(
    (lookup(COMPOSE_PROFILES) ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== ""),
  );
  const byFullName = new Map<string, string>();
  for (const [service, value] of Object.entries(services)) {
    const keyAt = locate(doc, ["services", service], { key: true });
    const nameProblem = serviceNameProblem(stack, service) ?? sameNameProblem(byFullName, stack, service);
    if (nameProblem !== undefined) {
      problems.add(keyAt, "invalid-name", nameProblem);
      continue;
    }
    if (!isRecord(value)) {
      problems.add(
        locate(doc, ["services", service]),
        "not-a-mapping",
        `service "${service}" must be a mapping of its settings`,
      );
      continue;
    }
    if (!profileActive(doc, service, value["profiles"], active, problems)) continue;
    out.push(stackService(scope, service, value));
  }
  return { services: out, volumes: scope.volumes.decls };
}

/** Two services whose names differ only in case are one name in the cluster (DNS names are not case-sensitive). */
function sameNameProblem(seen: Map<string, string>, stack: string, service: string): string | undefined {
  const full = fullServiceName(stack, service);
  const other = seen.get(full);
  if (other === undefined) {
    seen.set(full, service);
    return undefined;
  }
  return `service "${service}" and service "${other}" are both "${full}" in the cluster (names are not case-sensitive there, as in DNS): rename one`;
}

/** The Compose file's one document, its stack's name and its services: mapping, or nothing when unusable. */
function composeDocument(
  docs: readonly YamlDoc[],
  problems: Problems,
): { readonly doc: YamlDoc; readonly stack: string; readonly services: Record<string, unknown> } | undefined {
  const [doc, ...extra] = docs;
  if (doc === undefined) return undefined;
  for (const d of extra)
    problems.add(
      docStart(d),
      "schema",
      "a Compose file holds one YAML document; remove this one (or the ---)",
    );
  const stack = stackOf(doc.file.path);
  const stackProblem = stackNameProblem(stack);
  if (stackProblem !== undefined) {
    problems.add({ path: doc.file.path, line: 1, col: 1 }, "invalid-name", stackProblem);
    return undefined;
  }
  if (!isRecord(doc.value)) {
    problems.add(docStart(doc), "not-a-mapping", "a Compose file must be a mapping with services:");
    return undefined;
  }
  checkTopLevel(doc, doc.value, stack, problems);
  const services = doc.value["services"];
  if (!isRecord(services) || Object.keys(services).length === 0) {
    problems.add(
      services === undefined ? docStart(doc) : locate(doc, ["services"]),
      "schema",
      "a Compose file needs services: a mapping from each service's name to its definition",
    );
    return undefined;
  }
  return { doc, stack, services };
}

/** What every service of one Compose file is read against: its stack's top-level declarations. */
interface StackFileScope {
  readonly doc: YamlDoc;
  readonly stack: string;
  readonly data: ReadonlyMap<string, RepoFile>;
  readonly lookup: VariableLookup;
  readonly problems: Problems;
  readonly networks: ReturnType<typeof stackNetworks>;
  readonly volumes: ReturnType<typeof stackVolumes>;
  readonly configs: ReturnType<typeof stackConfigs>;
  readonly secrets: ReturnType<typeof stackSecrets>;
}

/** One service of the stack: the view the service schema judges, and what the stack gives it. */
function stackService(scope: StackFileScope, service: string, value: Record<string, unknown>): StackService {
  const { doc, stack, data, lookup, problems, networks, volumes, configs, secrets } = scope;
  const full = fullServiceName(stack, service);
  const own = Object.fromEntries(Object.entries(value).filter(([k]) => !STACK_KEYS.includes(k)));
  const view: YamlDoc = {
    ...doc,
    base: ["services", service],
    value: { ...own, kind: "Service", name: full },
  };
  const hostNetwork = value["network_mode"] === "host";
  const dir = `${STACKS_DIR}${stack}`;
  const env = readEnvFiles(
    view,
    value["env_file"],
    { dir, root: `${dir}/`, rootName: `the stack's folder ${dir}/`, files: data, lookup },
    problems,
  );
  return {
    doc: view,
    origin: { name: stack, service },
    networks: hostNetwork
      ? undefined
      : serviceNetworks(view, stack, service, value["networks"], networks, problems),
    qualify: (name) => fullServiceName(stack, name),
    volume: volumeNamer(view, volumes),
    files: withoutReadOnly(view, value, serviceConfigs(view, value["configs"], configs, problems), problems),
    ...(env !== undefined && { env }),
    secretFiles: withoutReadOnlySecrets(
      view,
      value,
      serviceSecrets(view, value["secrets"], secrets, problems),
      problems,
    ),
    relative: relativeBinds(
      view,
      stack,
      value["volumes"],
      data,
      volumes.decls,
      problems,
      value["read_only"] === true,
    ),
  };
}

/**
 * As docker compose does: a service that lists profiles: runs only when one of them is active,
 * and the active ones are named by COMPOSE_PROFILES (here from the operator's variables: or the
 * stack's .env, where Compose users put it). One that does not run is a warning at its profiles:.
 */
function profileActive(
  doc: YamlDoc,
  service: string,
  profiles: unknown,
  active: ReadonlySet<string>,
  problems: Problems,
): boolean {
  if (!Array.isArray(profiles) || profiles.length === 0) return true;
  const names = profiles.map(String);
  if (active.has("*") || names.some((p) => active.has(p))) return true;
  problems.warn(
    locate(doc, ["services", service, "profiles"], { key: true }),
    "profile-inactive",
    `service "${service}" is not deployed: its profiles (${names.join(", ")}) are not active; as in docker compose, set ${COMPOSE_PROFILES}=${names[0] ?? ""} in the stack's .env or the operator configuration's variables: to deploy it`,
  );
  return false;
}

/** Secret files are put into the container like configs: Docker refuses that on a read-only root filesystem. */
function withoutReadOnlySecrets(
  doc: YamlDoc,
  value: Record<string, unknown>,
  files: SecretFile[],
  problems: Problems,
): SecretFile[] {
  if (files.length === 0 || value["read_only"] !== true) return files;
  problems.add(
    locate(doc, ["secrets"], { key: true }),
    "unsupported-config",
    "secrets cannot be placed in a read_only container (Docker writes them into its root filesystem): drop read_only, or give the value as an environment variable with env_secrets",
  );
  return [];
}

/** Files are put into a container before it starts, which Docker refuses on a read-only root filesystem. */
function withoutReadOnly(
  doc: YamlDoc,
  value: Record<string, unknown>,
  files: ServiceFile[],
  problems: Problems,
): ServiceFile[] {
  if (files.length === 0 || value["read_only"] !== true) return files;
  problems.add(
    locate(doc, ["configs"], { key: true }),
    "unsupported-config",
    "configs cannot be placed in a read_only container (Docker writes them into its root filesystem): drop read_only, or mount the config's directory as a tmpfs and write it at start",
  );
  return [];
}

function checkTopLevel(
  doc: YamlDoc,
  value: Record<string, unknown>,
  stack: string,
  problems: Problems,
): void {
  for (const key of Object.keys(value)) {
    if (TOP_LEVEL.includes(key) || key.startsWith("x-")) continue;
    const at = locate(doc, [key], { key: true });
    if (key === "include") {
      problems.add(
        at,
        "unknown-key",
        "include is not supported: put the services of the included files in this Compose file (or in stacks of their own)",
      );
      continue;
    }
    const close = didYouMean(key, TOP_LEVEL);
    problems.add(
      at,
      "unknown-key",
      `unknown top-level key "${key}"` +
        (close
          ? `: did you mean "${close}"?`
          : `; a Compose file holds ${TOP_LEVEL.join(", ")} and x-* extensions`),
    );
  }
  const name = value["name"];
  if (name !== undefined && name !== stack) {
    problems.warn(
      locate(doc, ["name"]),
      "no-effect",
      `name: ${JSON.stringify(name)} has no effect: a stack is named after its folder (${STACKS_DIR}${stack}/), and its services are ${stack}_<service>`,
    );
  }
}
