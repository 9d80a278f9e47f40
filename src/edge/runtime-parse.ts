// Parsers for what HAProxy's runtime sockets answer: `show stat` (worker
// socket) for the endpoints in rotation, `show proc` (master socket) to see a
// reload land. Pure text in, data out; the socket talk is in the adapter.

import { byString, parseBackendName } from "./names.js";

export interface StatRow {
  readonly proxy: string;
  readonly server: string;
  /** "UP", "UP 1/3" (going down), "DOWN", "DOWN 1/2" (coming up), "MAINT", "DRAIN", "no check", "OPEN"... */
  readonly status: string;
  readonly address?: string;
  readonly checkStatus?: string;
  readonly checkDescription?: string;
  readonly currentSessions: number;
  readonly totalSessions: number;
}

function splitCsv(line: string): string[] {
  // HAProxy's stat CSV never quotes; fields never contain commas.
  return line.split(",");
}

export function parseShowStat(text: string): StatRow[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const head = lines.find((l) => l.startsWith("# "));
  if (head === undefined) return [];
  const columns = splitCsv(head.slice(2));
  const col = (fields: readonly string[], name: string): string | undefined => {
    const v = fields[columns.indexOf(name)];
    return v === undefined || v === "" ? undefined : v;
  };
  return lines
    .filter((l) => !l.startsWith("#"))
    .map((l) => {
      const f = splitCsv(l);
      const address = col(f, "addr");
      const checkStatus = col(f, "check_status");
      const checkDescription = col(f, "check_desc");
      return {
        proxy: col(f, "pxname") ?? "",
        server: col(f, "svname") ?? "",
        status: col(f, "status") ?? "",
        ...(address !== undefined ? { address } : {}),
        ...(checkStatus !== undefined ? { checkStatus } : {}),
        ...(checkDescription !== undefined ? { checkDescription } : {}),
        currentSessions: Number(col(f, "scur") ?? 0),
        totalSessions: Number(col(f, "stot") ?? 0),
      };
    });
}

export interface EdgeEndpoint {
  readonly service: string;
  readonly target: number;
  readonly server: string;
  readonly address: string;
  readonly status: string;
  readonly inRotation: boolean;
}

/** A server takes new traffic while UP (also "UP 1/3", still in rotation while failing) or unchecked. */
export function takesTraffic(status: string): boolean {
  return status === "UP" || status.startsWith("UP ") || status === "no check";
}

/** Every server of every gitfleet backend, sorted by service, port, server. */
export function endpointsFromStat(rows: readonly StatRow[]): EdgeEndpoint[] {
  const out: EdgeEndpoint[] = [];
  for (const row of rows) {
    if (row.server === "FRONTEND" || row.server === "BACKEND") continue;
    const be = parseBackendName(row.proxy);
    if (be === undefined) continue;
    out.push({
      service: be.service,
      target: be.target,
      server: row.server,
      address: row.address ?? "",
      status: row.status,
      inRotation: takesTraffic(row.status),
    });
  }
  return out.sort(
    (a, b) => byString(a.service, b.service) || a.target - b.target || byString(a.server, b.server),
  );
}

export interface ProcInfo {
  readonly masterPid: number;
  readonly reloads: number;
  readonly failedReloads: number;
  readonly workers: readonly number[];
  readonly oldWorkers: readonly number[];
}

export function parseShowProc(text: string): ProcInfo | undefined {
  let section: "head" | "workers" | "old" | "other" = "head";
  let master: { pid: number; reloads: number; failed: number } | undefined;
  const workers: number[] = [];
  const oldWorkers: number[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# workers")) section = "workers";
    else if (line.startsWith("# old workers")) section = "old";
    else if (line.startsWith("#")) section = line.startsWith("#<PID>") ? "head" : "other";
    else {
      const m = /^(\d+)\s+(\S+)\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/.exec(line);
      if (m === null) continue;
      const pid = Number(m[1]);
      if (m[2] === "master") master = { pid, reloads: Number(m[3]), failed: Number(m[4] ?? 0) };
      else if (m[2] === "worker" && section === "workers") workers.push(pid);
      else if (m[2] === "worker" && section === "old") oldWorkers.push(pid);
    }
  }
  if (master === undefined) return undefined;
  return {
    masterPid: master.pid,
    reloads: master.reloads,
    failedReloads: master.failed,
    workers,
    oldWorkers,
  };
}

// "[ALERT] (4152) : Binding [/…/haproxy.cfg:10] for frontend fe_x: cannot bind socket (Address already
// in use) for [10.0.0.12:9090]" (2.6); older releases write "… cannot bind socket … [10.0.0.12:9090]".
// The port ends the line's last bracketed address ("[[::1]:80]" for IPv6).
const BOUND_PORT = /:(\d{1,5})\]\s*$/;

/** The ports HAProxy says it could not bind, from its log (the master's stderr), each once, ascending. */
export function unbindablePorts(log: string): number[] {
  const ports = new Set<number>();
  for (const line of log.split("\n")) {
    if (!line.includes("cannot bind socket")) continue;
    const m = BOUND_PORT.exec(line);
    if (m !== null) ports.add(Number(m[1]));
  }
  return [...ports].sort((a, b) => a - b);
}
