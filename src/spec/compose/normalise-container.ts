// Compose's further service keys to the model: ContainerOptions passed to
// Docker as they are (absent when none is set, so older specs keep their
// hash), and the older Compose spellings of deploy settings (restart,
// scale, mem_limit, mem_reservation, cpus) as a deploy block the service's
// own deploy: overrides.

import type { ContainerOptions } from "../../model/spec.js";
import type { Ctx } from "../context.js";
import { sizeBytes } from "../context.js";
import type { RawDeploy, RawService } from "../raw.js";

export function containerOptions(ctx: Ctx, raw: RawService): ContainerOptions | undefined {
  const list = (v: string | readonly string[] | undefined): string[] | undefined =>
    v === undefined ? undefined : typeof v === "string" ? [v] : [...v];
  const o: Record<string, unknown> = {
    init: raw.init,
    workingDir: raw.working_dir,
    hostname: raw.hostname,
    domainname: raw.domainname,
    extraHosts: extraHosts(raw.extra_hosts),
    stopSignal: raw.stop_signal,
    tmpfs: tmpfs(raw.tmpfs),
    expose: raw.expose?.map(exposed),
    dns: list(raw.dns),
    dnsSearch: list(raw.dns_search),
    dnsOptions: raw.dns_opt === undefined ? undefined : [...raw.dns_opt],
    stdinOpen: raw.stdin_open,
    tty: raw.tty,
    shmSizeBytes: raw.shm_size === undefined ? undefined : sizeBytes(ctx, ["shm_size"], raw.shm_size),
    ulimits: raw.ulimits === undefined ? undefined : ulimits(raw.ulimits),
    logging:
      raw.logging === undefined
        ? undefined
        : {
            driver: raw.logging.driver ?? "json-file",
            options: Object.fromEntries(
              Object.entries(raw.logging.options ?? {})
                .filter(([, v]) => v !== null)
                .map(([k, v]) => [k, String(v)]),
            ),
          },
    pidsLimit: raw.pids_limit,
    groupAdd: raw.group_add?.map(String),
    securityOpt: raw.security_opt === undefined ? undefined : [...raw.security_opt],
    sysctls: sysctls(raw.sysctls),
    pidMode: raw.pid,
    ipcMode: raw.ipc,
    cpuShares: raw.cpu_shares,
  };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return Object.keys(o).length > 0 ? (o as ContainerOptions) : undefined;
}

/** restart, scale, mem_limit, mem_reservation and cpus as the deploy block they stand for; undefined when none is set. */
export function composeDeploy(raw: RawService): RawDeploy | undefined {
  const d: { -readonly [K in keyof RawDeploy]: RawDeploy[K] } = {};
  if (raw.scale !== undefined) d.replicas = raw.scale;
  const limits = {
    ...(raw.mem_limit !== undefined && { memory: raw.mem_limit }),
    ...(raw.cpus !== undefined && { cpus: raw.cpus }),
  };
  const reservations = raw.mem_reservation !== undefined ? { memory: raw.mem_reservation } : undefined;
  if (Object.keys(limits).length > 0 || reservations !== undefined) {
    d.resources = {
      ...(Object.keys(limits).length > 0 && { limits }),
      ...(reservations !== undefined && { reservations }),
    };
  }
  if (raw.restart !== undefined) d.restart_policy = restartPolicy(raw.restart);
  return Object.keys(d).length > 0 ? d : undefined;
}

function restartPolicy(restart: string): NonNullable<RawDeploy["restart_policy"]> {
  if (restart === "no") return { condition: "none" };
  const m = /^on-failure(?::([0-9]+))?$/.exec(restart);
  if (m)
    return m[1] === undefined
      ? { condition: "on-failure" }
      : { condition: "on-failure", max_attempts: Number(m[1]) };
  return { condition: "any" }; // always, unless-stopped
}

function extraHosts(raw: RawService["extra_hosts"]): string[] | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return (raw as readonly string[]).map((h) => h.replace(/^([^=:]+)=/, "$1:"));
  const out: string[] = [];
  for (const [host, ips] of Object.entries(raw as Record<string, string | readonly string[]>)) {
    for (const ip of typeof ips === "string" ? [ips] : ips) out.push(`${host}:${ip}`);
  }
  return out;
}

function tmpfs(raw: RawService["tmpfs"]): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const entry of typeof raw === "string" ? [raw] : raw) {
    const colon = entry.indexOf(":");
    if (colon < 0) out[entry] = "";
    else out[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  return out;
}

function exposed(p: string | number): string {
  const text = String(p);
  return text.includes("/") ? text : `${text}/tcp`;
}

function ulimits(raw: NonNullable<RawService["ulimits"]>): { name: string; soft: number; hard: number }[] {
  return Object.entries(raw)
    .map(([name, v]) =>
      typeof v === "number"
        ? { name, soft: v, hard: v }
        : { name, soft: v.soft ?? v.hard ?? 0, hard: v.hard ?? v.soft ?? 0 },
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function sysctls(raw: RawService["sysctls"]): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const out: Record<string, string> = {};
  for (const item of raw as readonly string[]) {
    const eq = item.indexOf("=");
    out[(eq < 0 ? item : item.slice(0, eq)).trim()] = eq < 0 ? "" : item.slice(eq + 1).trim();
  }
  return out;
}
