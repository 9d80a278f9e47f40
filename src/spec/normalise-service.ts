// One schema-valid Service document to the model's ServiceSpec: Compose's
// alternative spellings unified, units converted, the cluster's deploy
// defaults merged under its own, and the checks that need only this document.

import type {
  HealthcheckSpec,
  PortSpec,
  SecretFile,
  ServiceFile,
  ServiceNetwork,
  ServiceSpec,
  SourceRef,
  StackOrigin,
} from "../model/spec.js";
import type { EnvFromFiles } from "./compose/env-file.js";
import type { VariableLookup } from "./compose/interpolate.js";
import { composeDeploy, containerOptions } from "./compose/normalise-container.js";
import type { RelativeBind } from "./stacks/relative-binds.js";
import { docLocator, durationMs, layeredLocator, type Ctx, type Layer, type Locator } from "./context.js";
import type { Problems } from "./errors.js";
import { keyValueEntries, toRecord, type Entry } from "./key-values.js";
import { mergeDeploy, normaliseDeploy } from "./normalise-deploy.js";
import { normalisePorts, normaliseVolumes, type VolumeNamer } from "./normalise-mounts.js";
import type { YamlDoc } from "./parse.js";
import { docStart, type PathSegment } from "./positions.js";
import type { CommandLine, RawDeploy, RawHealthcheck, RawService } from "./raw.js";
import { splitShellWords } from "./shell-words.js";
import { specHash } from "./spec-hash.js";

/** A normalised service plus what later cross-document checks need to point at its YAML. */
export interface LoadedService {
  readonly spec: ServiceSpec;
  readonly doc: YamlDoc;
  readonly at: Locator;
  /** Paths inside the merged deploy block: into the service, or into the cluster's defaults. */
  readonly deployAt: Locator;
  readonly dependsOnAt: ReadonlyMap<string, SourceRef>;
  /** For each of spec.ports / spec.volumes, the index of its entry in the document (invalid ones are left out). */
  readonly portIndexes: readonly number[];
  readonly volumeIndexes: readonly number[];
}

/** What a service of a stack (stacks/<stack>/compose.yaml) brings besides its document. */
export interface StackScope {
  readonly origin: StackOrigin;
  readonly networks: readonly ServiceNetwork[] | undefined;
  /** depends_on names a service of the same stack: its name in the cluster. */
  readonly qualify: (name: string) => string;
  readonly volume: VolumeNamer;
  /** Its configs, as files in its containers. */
  readonly files: readonly ServiceFile[];
  /** Its bind mounts of paths beside the Compose file, by index in volumes:. */
  readonly relative?: ReadonlyMap<number, RelativeBind>;
  /** Its secrets, as files of the operator's store in its containers. */
  readonly secretFiles?: readonly SecretFile[];
}

/** Where a service's environment comes from besides its document: env_file, and the variables for bare KEYs. */
export interface EnvInputs {
  readonly fromFiles?: EnvFromFiles;
  /** The interpolation variables of the document's file (operator's, then .env). */
  readonly lookup?: VariableLookup;
}

// Docker's own defaults, made explicit so the model has no "unset".
const HEALTHCHECK_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };
const STOP_GRACE_PERIOD_MS = 10_000;
const RESERVED_LABEL_PREFIX = "gitfleet.";

// eslint-disable-next-line max-lines-per-function -- the service spec assembled field by field from its parts; each part has its own function
export function normaliseService(
  doc: YamlDoc,
  raw: RawService,
  defaults: Layer | undefined,
  problems: Problems,
  stack?: StackScope,
  env: EnvInputs = {},
): LoadedService {
  const ctx: Ctx = { at: docLocator(doc), problems };
  // Compose's older spellings (restart, scale, mem_limit, cpus, ...) under the service's own deploy:.
  const legacy = composeDeploy(raw);
  const own = legacy === undefined ? raw.deploy : mergeDeploy(legacy, raw.deploy);
  const container = containerOptions({ at: docLocator(doc), problems }, raw);
  const ownDeploy: Layer = { doc, prefix: ["deploy"], value: raw.deploy ?? {} };
  const deployAt = layeredLocator(defaults ? [ownDeploy, defaults] : [ownDeploy]);
  const deployCtx: Ctx = { at: deployAt, problems, label: ["deploy"] };
  const environment = bareFromVariables(
    ctx,
    keyValueEntries(ctx, ["environment"], raw.environment),
    env.lookup,
  );
  const fromFiles = env.fromFiles?.values ?? {};
  const labels = keyValueEntries(ctx, ["labels"], raw.labels);
  const envSecrets = raw.env_secrets ?? {};
  checkEnvConflicts(ctx, [...Object.keys(fromFiles), ...environment.map((e) => e.key)], envSecrets);
  checkReservedLabels(ctx, labels);
  const dependsOnAt = dependsOn(ctx, raw.depends_on, stack?.qualify);
  const command = commandLine(ctx, ["command"], raw.command);
  const entrypoint = commandLine(ctx, ["entrypoint"], raw.entrypoint);
  const healthcheck = normaliseHealthcheck(ctx, raw.healthcheck);
  const portIndexes: number[] = [];
  // Configs, then the files of relative bind mounts (in volumes: order).
  const files = [
    ...(stack?.files ?? []),
    ...[...(stack?.relative ?? new Map<number, RelativeBind>())]
      .sort(([a], [b]) => a - b)
      .flatMap(([, r]) => (r.kind === "files" ? r.files : [])),
  ];
  const volumeIndexes: number[] = [];
  const body = {
    name: raw.name,
    image: raw.image,
    ...(command && { command }),
    ...(entrypoint && { entrypoint }),
    // environment: wins over env_file, as in Compose.
    environment: { ...fromFiles, ...toRecord(environment) },
    envSecrets: { ...envSecrets },
    ports: withExposed(normalisePorts(ctx, raw.ports ?? [], portIndexes), stack ? raw.expose : undefined),
    ...(healthcheck && { healthcheck }),
    dependsOn: [...dependsOnAt.keys()],
    volumes: normaliseVolumes(ctx, raw.volumes ?? [], stack?.volume, volumeIndexes, stack?.relative),
    labels: toRecord(labels),
    stopGracePeriodMs: durationMs(ctx, ["stop_grace_period"], raw.stop_grace_period, STOP_GRACE_PERIOD_MS),
    ...(raw.user !== undefined && { user: String(raw.user) }),
    readOnly: raw.read_only ?? false,
    capAdd: [...(raw.cap_add ?? [])],
    capDrop: [...(raw.cap_drop ?? [])],
    privileged: raw.privileged ?? false,
    ...(raw.network_mode && { networkMode: raw.network_mode }),
    deploy: normaliseDeploy(deployCtx, mergeDeploy(defaults?.value as RawDeploy | undefined, own), own),
    ...(container && { container }),
    ...(stack && { stack: stack.origin }),
    ...(stack?.networks && { networks: stack.networks }),
    ...(files.length > 0 && { files }),
    ...(stack?.secretFiles !== undefined &&
      stack.secretFiles.length > 0 && { secretFiles: stack.secretFiles }),
    source: docStart(doc),
  };
  return {
    spec: { ...body, specHash: specHash(body) },
    doc,
    at: ctx.at,
    deployAt,
    dependsOnAt,
    portIndexes,
    volumeIndexes,
  };
}

/**
 * In a stack, expose: means what it means on a Compose network: the service answers there on
 * that port. Other services reach it by name only through its network's names edge, which serves
 * a service's ports, so each exposed TCP port joins them as a port without a published one (the
 * edge reaches replicas on other hosts through it). Ranges ("8000-8010") stay documentation.
 */
function withExposed(ports: PortSpec[], expose: RawService["expose"]): PortSpec[] {
  if (expose === undefined) return ports;
  const out = [...ports];
  for (const e of expose) {
    const m = /^([0-9]{1,5})(?:\/(tcp|udp))?$/.exec(String(e));
    const target = Number(m?.[1]);
    if (m === null || m[2] === "udp" || target < 1 || target > 65535) continue;
    if (out.some((p) => p.target === target && p.protocol === "tcp")) continue;
    out.push({ target, protocol: "tcp", mode: "ingress" });
  }
  return out;
}

function commandLine(
  ctx: Ctx,
  path: readonly PathSegment[],
  raw: CommandLine | undefined,
): string[] | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") return [...raw];
  const r = splitShellWords(raw);
  if (r.ok) return r.words;
  ctx.problems.add(ctx.at(path), "bad-command", `${String(path[0])} cannot be split into words: ${r.reason}`);
  return [];
}

function normaliseHealthcheck(ctx: Ctx, raw: RawHealthcheck | undefined): HealthcheckSpec | undefined {
  if (raw === undefined) return undefined;
  const d = HEALTHCHECK_DEFAULTS;
  // Docker's encoding: ["NONE"] turns off the image's check; [] inherits it.
  const test = raw.disable
    ? ["NONE"]
    : typeof raw.test === "string"
      ? ["CMD-SHELL", raw.test]
      : [...(raw.test ?? [])];
  const at = (key: string): PathSegment[] => ["healthcheck", key];
  if (raw.start_interval !== undefined)
    ctx.problems.warn(
      ctx.at(at("start_interval"), { key: true }),
      "ignored-key",
      "healthcheck.start_interval is ignored: the Docker Engine API gitfleet speaks (before 1.44) has no start interval; interval applies from the start (shorten interval, or raise start_period)",
    );
  return {
    test,
    intervalMs: durationMs(ctx, at("interval"), raw.interval, d.intervalMs),
    timeoutMs: durationMs(ctx, at("timeout"), raw.timeout, d.timeoutMs),
    retries: raw.retries ?? d.retries,
    startPeriodMs: durationMs(ctx, at("start_period"), raw.start_period, d.startPeriodMs),
  };
}

function dependsOn(
  ctx: Ctx,
  raw: RawService["depends_on"],
  qualify: (name: string) => string = (name) => name,
): Map<string, SourceRef> {
  const out = new Map<string, SourceRef>();
  if (raw === undefined) return out;
  const names = Array.isArray(raw) ? (raw as readonly string[]) : Object.keys(raw);
  names.forEach((name, i) => {
    const at = Array.isArray(raw) ? ctx.at(["depends_on", i]) : ctx.at(["depends_on", name], { key: true });
    if (!out.has(qualify(name))) out.set(qualify(name), at);
  });
  return out;
}

/**
 * `KEY` / `KEY:` without a value: Compose takes it from the shell running docker compose. Here it
 * comes from the same variables as interpolation (the operator's, then the .env beside the file);
 * one defined nowhere is left out, as Compose leaves it out, with a warning at the entry.
 */
function bareFromVariables(ctx: Ctx, entries: Entry[], lookup: VariableLookup | undefined): Entry[] {
  const out: Entry[] = [];
  for (const e of entries) {
    if (e.bare !== true) {
      out.push(e);
      continue;
    }
    const value = lookup?.(e.key);
    if (value !== undefined) {
      out.push({ ...e, value });
      continue;
    }
    ctx.problems.warn(
      ctx.at(e.path, { key: e.isKey }),
      "bare-environment",
      `environment ${e.key} has no value and no variable defines it (the operator configuration's variables:, the .env beside this file), so it is left out of the container's environment, as docker compose does when its shell has no ${e.key}; define it there, or write ${e.isKey ? `${e.key}: value` : `${e.key}=value`}`,
    );
  }
  return out;
}

function checkEnvConflicts(
  ctx: Ctx,
  environment: readonly string[],
  envSecrets: Readonly<Record<string, string>>,
): void {
  const plain = new Set(environment);
  for (const key of Object.keys(envSecrets)) {
    if (plain.has(key)) {
      ctx.problems.add(
        ctx.at(["env_secrets", key], { key: true }),
        "env-conflict",
        `${key} is set both in environment and in env_secrets; keep it in one place`,
      );
    }
  }
}

function checkReservedLabels(ctx: Ctx, labels: readonly Entry[]): void {
  for (const label of labels) {
    if (label.key.toLowerCase().startsWith(RESERVED_LABEL_PREFIX)) {
      ctx.problems.add(
        ctx.at(label.path, { key: label.isKey }),
        "reserved-label",
        `label "${label.key}" uses the reserved prefix "${RESERVED_LABEL_PREFIX}": gitfleet sets those labels itself`,
      );
    }
  }
}
