// The schema-valid Cluster document to the model's ClusterSpec. Its deploy
// defaults are handed on, as a layer, to every service's normaliser.

import type { Ceiling } from "../model/ceiling.js";
import type { ClusterPolicy, ClusterSpec, HostSpec, SyncWindow, VolumeDecl } from "../model/spec.js";
import { parseCron } from "../model/sync-window.js";
import { knownTimeZone } from "../model/time-zone.js";
import { parseDuration } from "./units.js";
import { DEFAULT_VOLUME_HELPER_IMAGE } from "../model/volumes.js";
import { docLocator, durationMs, nanoCpus, sizeBytes, type Ctx, type Layer } from "./context.js";
import type { Problems } from "./errors.js";
import type { YamlDoc } from "./parse.js";
import { isUnder, normalisePath } from "./paths.js";
import { docStart, locate } from "./positions.js";
import type { RawCluster, RawDeploy, RawHost, RawVolumeDecl } from "./raw.js";

export const DEFAULT_EDGE_IMAGE = "haproxy:2.8";
export const DEFAULT_HOST_DOWN_AFTER_MS = 3_000;
export const DEFAULT_HOST_STABLE_AFTER_MS = 10_000;
export const DEFAULT_MAX_MOVES_PER_MINUTE = 30;
export const DEFAULT_MAX_REMOVAL_SHARE = 0.5;

export interface LoadedCluster {
  readonly spec: ClusterSpec;
  readonly doc: YamlDoc;
  /** The defaults block, merged under each service's deploy. */
  readonly defaults?: Layer;
}

export function normaliseCluster(
  doc: YamlDoc,
  raw: RawCluster,
  ceiling: Ceiling,
  problems: Problems,
): LoadedCluster {
  const ctx: Ctx = { at: docLocator(doc), problems };
  const settings = raw.settings ?? {};
  const spec: ClusterSpec = {
    name: raw.name,
    hosts: normaliseHosts(doc, raw.hosts, problems),
    edge: { image: raw.edge?.image ?? DEFAULT_EDGE_IMAGE },
    policy: normalisePolicy(raw.policy, ceiling),
    settings: {
      rebalance: settings.rebalance ?? false,
      hostDownAfterMs: durationMs(
        ctx,
        ["settings", "host_down_after"],
        settings.host_down_after,
        DEFAULT_HOST_DOWN_AFTER_MS,
      ),
      hostStableAfterMs: durationMs(
        ctx,
        ["settings", "host_stable_after"],
        settings.host_stable_after,
        DEFAULT_HOST_STABLE_AFTER_MS,
      ),
      maxMovesPerMinute: settings.max_moves_per_minute ?? DEFAULT_MAX_MOVES_PER_MINUTE,
      volumeHelperImage: settings.volume_helper_image ?? DEFAULT_VOLUME_HELPER_IMAGE,
      maxRemovalShare: settings.max_removal_share ?? DEFAULT_MAX_REMOVAL_SHARE,
      allowMassRemoval: settings.allow_mass_removal ?? false,
    },
    volumes: normaliseVolumeDecls(doc, raw.volumes),
    ...(raw.sync_windows !== undefined && raw.sync_windows.length > 0
      ? { syncWindows: normaliseSyncWindows(ctx, raw.sync_windows) }
      : {}),
    source: docStart(doc),
  };
  const defaults = defaultsLayer(doc, raw.defaults);
  return defaults ? { spec, doc, defaults } : { spec, doc };
}

/** At most a week: a freeze longer than that is a suspend (gitfleet suspend), not a window. */
const MAX_WINDOW_MS = 7 * 24 * 3600_000;

function normaliseSyncWindows(ctx: Ctx, raw: NonNullable<RawCluster["sync_windows"]>): SyncWindow[] {
  const out: SyncWindow[] = [];
  for (const [i, w] of raw.entries()) {
    const cron = parseCron(w.schedule);
    if (!cron.ok)
      ctx.problems.add(
        ctx.at(["sync_windows", i, "schedule"]),
        "bad-cron",
        `sync_windows[${i}].schedule "${w.schedule}" is not a cron schedule: ${cron.reason}`,
      );
    const d = parseDuration(w.duration);
    if (!d.ok || d.value <= 0 || d.value > MAX_WINDOW_MS)
      ctx.problems.add(
        ctx.at(["sync_windows", i, "duration"]),
        "bad-duration",
        `sync_windows[${i}].duration "${w.duration}" ${d.ok ? "must be more than 0 and at most 7 days (168h)" : `is not a usable duration: ${d.reason}`}`,
      );
    const zoneOk = w.time_zone === undefined || knownTimeZone(w.time_zone);
    if (!zoneOk)
      ctx.problems.add(
        ctx.at(["sync_windows", i, "time_zone"]),
        "bad-time-zone",
        `sync_windows[${i}].time_zone "${w.time_zone}" is not an IANA time zone name this Node knows (such as Europe/Berlin or America/New_York; leave it out for UTC)`,
      );
    if (cron.ok && d.ok && zoneOk)
      out.push({
        schedule: w.schedule,
        durationMs: d.value,
        ...(w.description !== undefined ? { description: w.description } : {}),
        ...(w.time_zone !== undefined ? { timeZone: w.time_zone } : {}),
      });
  }
  return out;
}

/**
 * The policy in force: the operator's ceiling, narrowed by cluster.yaml's
 * policy. A key cluster.yaml leaves out keeps the ceiling's value; one that
 * asks for more is reported by rules-ceiling and does not widen anything here.
 */
export function normalisePolicy(raw: RawCluster["policy"], ceiling: Ceiling): ClusterPolicy {
  const withinCeiling = (prefix: string): boolean =>
    ceiling.allowBindMounts.some((c) => isUnder(normalisePath(prefix), normalisePath(c)));
  return {
    allowPrivileged: ceiling.allowPrivileged && (raw?.allow_privileged ?? true),
    allowHostNetwork: ceiling.allowHostNetwork && (raw?.allow_host_network ?? true),
    allowBindMounts:
      raw?.allow_bind_mounts === undefined
        ? [...ceiling.allowBindMounts]
        : raw.allow_bind_mounts.filter(withinCeiling),
    // The read-only host files: all of the ceiling's, unless cluster.yaml lists bind mounts, and
    // then those its list covers (it may only narrow).
    readOnlyBinds:
      raw?.allow_bind_mounts === undefined
        ? [...ceiling.readOnlyBinds]
        : ceiling.readOnlyBinds.filter((f) =>
            (raw.allow_bind_mounts ?? []).some((p) => isUnder(f, normalisePath(p))),
          ),
  };
}

export function normaliseHosts(doc: YamlDoc, raw: readonly RawHost[], problems: Problems): HostSpec[] {
  const ctx: Ctx = { at: docLocator(doc), problems };
  return raw.map((h, i) => normaliseHost(ctx, doc, h, i));
}

export function defaultsLayer(doc: YamlDoc, raw: RawDeploy | undefined): Layer | undefined {
  return raw && { doc, prefix: ["defaults"], value: raw };
}

function normaliseHost(ctx: Ctx, doc: YamlDoc, raw: RawHost, i: number): HostSpec {
  const path = ["hosts", i, "capacity"];
  const capacity = raw.capacity ?? {};
  if (raw.docker.startsWith("tcp://") && raw.tls === undefined) {
    ctx.problems.warn(
      ctx.at(["hosts", i, "docker"]),
      "plain-tcp-engine",
      `host ${raw.name}: ${raw.docker} is a Docker engine on plain TCP without TLS: anyone who can reach it is root on the host; set tls: <cert directory in the secret store> (engines listen on 2376 with TLS), or use ssh://`,
    );
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.labels ?? {})) labels[k] = String(v);
  return {
    name: raw.name,
    docker: raw.docker,
    ...(raw.tls !== undefined && { tls: raw.tls }),
    address: raw.address,
    labels,
    capacity: {
      ...(capacity.cpus !== undefined && { nanoCpus: nanoCpus(ctx, [...path, "cpus"], capacity.cpus) }),
      ...(capacity.memory !== undefined && {
        memoryBytes: sizeBytes(ctx, [...path, "memory"], capacity.memory),
      }),
    },
    drain: raw.drain ?? false,
    ...(raw.move_data === true && { moveData: true }),
    source: locate(doc, ["hosts", i]),
  };
}

/** `volumes:` as in Compose's top level: `name: {}` or `name:` alone is a plain local volume. */
function normaliseVolumeDecls(
  doc: YamlDoc,
  raw: RawCluster["volumes"],
): Readonly<Record<string, VolumeDecl>> {
  const out: Record<string, VolumeDecl> = {};
  for (const [name, decl] of Object.entries(raw ?? {})) {
    const d: RawVolumeDecl = decl ?? {};
    const driverOpts: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.driver_opts ?? {})) driverOpts[k] = String(v);
    out[name] = {
      driver: d.driver ?? "local",
      driverOpts,
      recreatable: d["x-gitfleet-recreatable"] ?? false,
      source: locate(doc, ["volumes", name]),
    };
  }
  return out;
}
