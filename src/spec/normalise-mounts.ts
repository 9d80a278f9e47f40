// Ports and volumes, long form or Compose short form, to PortSpec and VolumeSpec.

import type { PortSpec, Protocol, VolumeSpec } from "../model/spec.js";
import type { Ctx } from "./context.js";
import type { Problems } from "./errors.js";
import type { RawPort, RawVolume } from "./raw.js";
import type { RelativeBind } from "./stacks/relative-binds.js";

/**
 * [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], HOST_IP v4 or [v6], or empty (":8080:80", what
 * `${IP-}:8080:80` gives when IP is unset); HOST_IP::TARGET leaves the published port out.
 */
const SHORT_PORT =
  /^(?:(\[[0-9A-Fa-f:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3})?:(?=[0-9]*:))?(?:([0-9]{0,5}):)?([0-9]{1,5})(?:\/(tcp|udp))?$/;

/**
 * `indexes` (when given) receives, for each port returned, the index of its entry in `raws`:
 * invalid entries are left out, so later rules must not point at `ports[i]` of the result.
 */
export function normalisePorts(
  ctx: Ctx,
  raws: readonly (RawPort | string | number)[],
  indexes: number[] = [],
): PortSpec[] {
  const out: PortSpec[] = [];
  raws.forEach((raw, i) => {
    if (typeof raw === "object") {
      indexes.push(i);
      out.push({
        target: raw.target,
        protocol: raw.protocol ?? "tcp",
        mode: raw.mode ?? "ingress",
        // Compose allows the published port as a string ("8080").
        ...(raw.published !== undefined && { published: Number(raw.published) }),
        ...(raw.app_protocol !== undefined && { appProtocol: raw.app_protocol }),
        ...(raw.proxy_protocol !== undefined && { proxyProtocol: raw.proxy_protocol }),
      });
      return;
    }
    const m = SHORT_PORT.exec(String(raw));
    const target = Number(m?.[3]);
    const published = m?.[2] === undefined || m[2] === "" ? undefined : Number(m[2]);
    if (!m || !validPort(target) || (published !== undefined && !validPort(published))) {
      ctx.problems.add(
        ctx.at(["ports", i]),
        "bad-port",
        `ports[${i}] "${String(raw)}": port numbers go from 1 to 65535`,
      );
      return;
    }
    if (m[1] !== undefined) {
      ctx.problems.warn(
        ctx.at(["ports", i]),
        "ignored-key",
        `ports[${i}]: the host IP ${m[1]} is ignored: a published port is served on every host's address (through the edge), not on one IP`,
      );
    }
    const protocol: Protocol = m[4] === "udp" ? "udp" : "tcp";
    const base = { target, protocol, mode: "ingress" } as const;
    indexes.push(i);
    out.push(published === undefined ? base : { ...base, published });
  });
  return out;
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * A named volume's name as the service writes it → its name in the cluster (a stack's own
 * volumes); undefined: reported into `problems` (the normalisation's, so a cached one replays it).
 */
export type VolumeNamer = (source: string, index: number, problems: Problems) => string | undefined;

/** `indexes`: as for normalisePorts, the entry in `raws` of each volume returned. */
export function normaliseVolumes(
  ctx: Ctx,
  raws: readonly (RawVolume | string)[],
  rename?: VolumeNamer,
  indexes: number[] = [],
  relative?: ReadonlyMap<number, RelativeBind>,
): VolumeSpec[] {
  const out: VolumeSpec[] = [];
  const targets = new Set<string>();
  raws.forEach((raw, i) => {
    const v = typeof raw === "string" ? fromShort(raw) : fromLong(raw);
    const mapped = relative?.get(i);
    if (mapped !== undefined) {
      // A stack's ./path: its files are placed as configs (the caller has them), or it is a named volume.
      if (mapped.kind === "volume")
        pushUnique(ctx, out, targets, { ...v, type: "volume", source: mapped.name }, i, indexes);
      return;
    }
    if (v.type === "bind" && v.source !== undefined && /^[.~]/.test(v.source)) {
      ctx.problems.add(
        ctx.at(["volumes", i]),
        "relative-bind-mount",
        relativeBindMessage(i, v.source, v.target),
      );
      return;
    }
    const problem = checkVolume(v);
    if (problem !== undefined) {
      ctx.problems.add(ctx.at(["volumes", i]), "bad-volume", `volumes[${i}]: ${problem}`);
      return;
    }
    if (rename === undefined || v.type !== "volume" || v.source === undefined) {
      pushUnique(ctx, out, targets, v, i, indexes);
      return;
    }
    const name = rename(v.source, i, ctx.problems);
    if (name !== undefined) pushUnique(ctx, out, targets, { ...v, source: name }, i, indexes);
  });
  return out;
}

function pushUnique(
  ctx: Ctx,
  out: VolumeSpec[],
  targets: Set<string>,
  v: VolumeSpec,
  i: number,
  indexes: number[],
): void {
  if (targets.has(v.target)) {
    ctx.problems.add(
      ctx.at(["volumes", i]),
      "duplicate-mount",
      `volumes[${i}]: ${v.target} is mounted twice`,
    );
    return;
  }
  targets.add(v.target);
  out.push(v);
  indexes.push(i);
}

/** Options of a short-form volume Docker accepts; only ro/rw change anything here (SELinux z/Z and the consistency hints do not apply). */
const VOLUME_OPTIONS = new Set(["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"]);

function fromShort(raw: string): VolumeSpec {
  const parts = raw.split(":");
  const last = parts[parts.length - 1] ?? "";
  const options = parts.length > 1 ? last.split(",") : [];
  const isOptions = options.length > 0 && options.every((o) => VOLUME_OPTIONS.has(o));
  const readOnly = isOptions && options.includes("ro");
  if (isOptions) parts.pop();
  const target = parts[parts.length - 1] ?? "";
  const source = parts.length > 1 ? parts[0] : undefined;
  if (source === undefined) return { type: "volume", target, readOnly };
  const type = /^[/.~]/.test(source) ? "bind" : "volume";
  return { type, source, target, readOnly };
}

function fromLong(raw: RawVolume): VolumeSpec {
  const base = { type: raw.type, target: raw.target, readOnly: raw.read_only ?? false };
  return raw.source === undefined ? base : { ...base, source: raw.source };
}

/**
 * Compose resolves ./path against the folder of the Compose file on the machine running
 * docker compose; a replica runs on another host, where that folder does not exist. What
 * Compose users mean by it is one of two things, and each has a cluster form.
 */
function relativeBindMessage(i: number, source: string, target: string): string {
  if (source.startsWith("~")) return homeBindMessage(i, source, target);
  const name =
    source
      .replace(/^[.~/]+/, "")
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "") || "data";
  return (
    `volumes[${i}]: "${source}" is a path beside the Compose file, which the hosts running the replicas do not have. ` +
    `For data the service writes, use a named volume: "${name}:${target}" with ${name}: declared under the top-level volumes: (it stays on the host the replica first runs on). ` +
    `For a file of the repository, declare it under the top-level configs: (${name}: {file: ${source}}) and list it in the service's configs: with target: ${target}`
  );
}

/**
 * `~` and `~/path` are the home folder of whoever runs docker compose: a host path, but none that
 * exists on gitfleet's hosts (no user runs the stack there), so it cannot be placed as written.
 */
function homeBindMessage(i: number, source: string, target: string): string {
  const name =
    source
      .replace(/^~[^/]*\/?/, "")
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "") || "home";
  return (
    `volumes[${i}]: "${source}" is the home folder of the user who runs docker compose, and no user runs the stack on gitfleet's hosts. ` +
    `To give the container a folder of its host, write the folder's absolute path (bind mounts stay within ceiling.allow_bind_mounts in the operator configuration); ` +
    `for data the service writes, use a named volume: "${name}:${target}" with ${name}: declared under the top-level volumes:`
  );
}

function checkVolume(v: VolumeSpec): string | undefined {
  if (v.type === "bind") {
    if (v.source === undefined || !v.source.startsWith("/")) {
      return `bind mount source "${v.source ?? ""}" must be an absolute path on the host (relative paths have no meaning on a remote host)`;
    }
  } else if (v.type === "tmpfs") {
    if (v.source !== undefined) return "a tmpfs mount has no source";
  } else if (v.source !== undefined && !VOLUME_NAME.test(v.source)) {
    return `volume name "${v.source}" is not valid: use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  }
  return undefined;
}
