// What normalisers carry around: where to report, and how to find the YAML
// node for a path. Deploy values may come from the service or from the
// cluster's defaults; a merged locator points at whichever one set the value.

import type { SourceRef } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { YamlDoc } from "./parse.js";
import { MAX_DURATION_MS } from "./limits.js";
import { locate, type LocateOptions, type PathSegment } from "./positions.js";
import { parseCpus, parseDuration, parseSize } from "./units.js";

export type Locator = (path: readonly PathSegment[], options?: LocateOptions) => SourceRef;

export interface Ctx {
  readonly at: Locator;
  readonly problems: Problems;
  /** Prepended to paths in messages: ["deploy"] while normalising a deploy block. */
  readonly label?: readonly PathSegment[];
}

export function nameOf(ctx: Ctx, path: readonly PathSegment[]): string {
  return dotted([...(ctx.label ?? []), ...path]);
}

export interface Layer {
  readonly doc: YamlDoc;
  /** Where the layer's value sits in its document, e.g. ["deploy"] or ["defaults"]. */
  readonly prefix: readonly PathSegment[];
  readonly value: unknown;
}

export function docLocator(doc: YamlDoc, prefix: readonly PathSegment[] = []): Locator {
  return (path, options) => locate(doc, [...prefix, ...path], options);
}

/** Points into the first layer that holds the path (the service's own deploy, then the cluster defaults). */
export function layeredLocator(layers: readonly Layer[]): Locator {
  return (path, options) => {
    const layer = layers.find((l) => hasPath(l.value, path)) ?? layers[0];
    if (layer === undefined) throw new Error("layeredLocator needs at least one layer");
    return locate(layer.doc, [...layer.prefix, ...path], options);
  };
}

export function hasPath(value: unknown, path: readonly PathSegment[]): boolean {
  let v = value;
  for (const seg of path) {
    if (typeof v !== "object" || v === null || !(String(seg) in v)) return false;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return true;
}

export function durationMs(
  ctx: Ctx,
  path: readonly PathSegment[],
  text: string | undefined,
  fallback: number,
): number {
  if (text === undefined) return fallback;
  const r = parseDuration(text);
  if (r.ok && r.value > MAX_DURATION_MS) {
    ctx.problems.add(
      ctx.at(path),
      "bad-duration",
      `${nameOf(ctx, path)} "${text}" is too long: durations may be at most 24h`,
    );
    return fallback;
  }
  if (r.ok) return r.value;
  ctx.problems.add(
    ctx.at(path),
    "bad-duration",
    `${nameOf(ctx, path)} "${text}" is not a usable duration: ${r.reason}`,
  );
  return fallback;
}

/** Docker refuses a memory limit under 6 MiB; a bare number that small surely meant a unit. */
const DOCKER_MIN_MEMORY = 6 * 1024 * 1024;

export function sizeBytes(
  ctx: Ctx,
  path: readonly PathSegment[],
  value: string | number | undefined,
): number {
  if (value === undefined) return 0;
  const r = parseSize(value);
  if (r.ok) {
    if (r.value < DOCKER_MIN_MEMORY && /^\s*[0-9.]+\s*$/.test(String(value))) {
      ctx.problems.warn(
        ctx.at(path),
        "size-without-unit",
        `${nameOf(ctx, path)} ${JSON.stringify(value)} has no unit, so it means ${r.value} bytes (Docker refuses memory under 6 MiB); write it with a unit, e.g. "${String(value).trim()}M"`,
      );
    }
    return r.value;
  }
  ctx.problems.add(
    ctx.at(path),
    "bad-size",
    `${nameOf(ctx, path)} ${JSON.stringify(value)} is not a usable size: ${r.reason}`,
  );
  return 0;
}

export function nanoCpus(ctx: Ctx, path: readonly PathSegment[], value: string | number | undefined): number {
  if (value === undefined) return 0;
  const r = parseCpus(value);
  if (r.ok) return r.value;
  ctx.problems.add(
    ctx.at(path),
    "bad-cpus",
    `${nameOf(ctx, path)} ${JSON.stringify(value)} is not a usable CPU count: ${r.reason}`,
  );
  return 0;
}

export function dotted(path: readonly PathSegment[]): string {
  return path
    .map((s, i) => (typeof s === "number" || /^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
}
