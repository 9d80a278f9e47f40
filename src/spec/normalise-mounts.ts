// Ports and volumes, long form or Compose short form, to PortSpec and VolumeSpec.

import type { PortSpec, Protocol, VolumeSpec } from "../model/spec.js";
import type { Ctx } from "./context.js";
import type { Problems } from "./errors.js";
import type { RawPort, RawVolume } from "./raw.js";

const SHORT_PORT = /^(?:([0-9]{1,5}):)?([0-9]{1,5})(?:\/(tcp|udp))?$/;

export function normalisePorts(ctx: Ctx, raws: readonly (RawPort | string | number)[]): PortSpec[] {
  const out: PortSpec[] = [];
  raws.forEach((raw, i) => {
    if (typeof raw === "object") {
      out.push({
        target: raw.target,
        protocol: raw.protocol ?? "tcp",
        mode: raw.mode ?? "ingress",
        ...(raw.published !== undefined && { published: raw.published }),
        ...(raw.app_protocol !== undefined && { appProtocol: raw.app_protocol }),
        ...(raw.proxy_protocol !== undefined && { proxyProtocol: raw.proxy_protocol }),
      });
      return;
    }
    const m = SHORT_PORT.exec(String(raw));
    const target = Number(m?.[2]);
    const published = m?.[1] === undefined ? undefined : Number(m[1]);
    if (!m || !validPort(target) || (published !== undefined && !validPort(published))) {
      ctx.problems.add(
        ctx.at(["ports", i]),
        "bad-port",
        `ports[${i}] "${String(raw)}": port numbers go from 1 to 65535`,
      );
      return;
    }
    const protocol: Protocol = m[3] === "udp" ? "udp" : "tcp";
    const base = { target, protocol, mode: "ingress" } as const;
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

export function normaliseVolumes(
  ctx: Ctx,
  raws: readonly (RawVolume | string)[],
  rename?: VolumeNamer,
): VolumeSpec[] {
  const out: VolumeSpec[] = [];
  const targets = new Set<string>();
  raws.forEach((raw, i) => {
    const v = typeof raw === "string" ? fromShort(raw) : fromLong(raw);
    const problem = checkVolume(v);
    if (problem !== undefined) {
      ctx.problems.add(ctx.at(["volumes", i]), "bad-volume", `volumes[${i}]: ${problem}`);
      return;
    }
    if (rename === undefined || v.type !== "volume" || v.source === undefined) {
      pushUnique(ctx, out, targets, v, i);
      return;
    }
    const name = rename(v.source, i, ctx.problems);
    if (name !== undefined) pushUnique(ctx, out, targets, { ...v, source: name }, i);
  });
  return out;
}

function pushUnique(ctx: Ctx, out: VolumeSpec[], targets: Set<string>, v: VolumeSpec, i: number): void {
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
}

function fromShort(raw: string): VolumeSpec {
  const parts = raw.split(":");
  const last = parts[parts.length - 1];
  const readOnly = last === "ro";
  if (last === "ro" || last === "rw") parts.pop();
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
