// One simulated Docker host: containers, networks, volumes, stored archive
// files and event subscribers, in memory. Only what gitfleet's Docker adapter
// calls is modelled (see ./server.ts for the routes); containers never run a
// process: start makes them "running" (and "healthy" when they have a
// healthcheck), stop and kill make them "exited".

import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

export interface SimContainer {
  readonly id: string;
  name: string;
  readonly created: number;
  readonly config: Record<string, unknown>;
  readonly hostConfig: Record<string, unknown>;
  readonly labels: Record<string, string>;
  readonly image: string;
  readonly networks: Record<string, { IPAddress: string }>;
  readonly ports: { PrivatePort: number; PublicPort: number; Type: string; IP: string }[];
  state: "created" | "running" | "exited";
  startedAt?: number;
  finishedAt?: number;
  /** Files put with putArchive, by path ("/name"), as the tar that carried them. */
  readonly archives: Map<string, Buffer>;
}

interface Subscriber {
  readonly res: ServerResponse;
  readonly labels: readonly string[];
}

let nextIp = 2;
let nextPort = 30_000;

export class SimHost {
  readonly containers = new Map<string, SimContainer>();
  readonly networks = new Map<string, { Id: string; Name: string; Labels: Record<string, string> }>();
  readonly volumes = new Map<string, { Name: string; Labels: Record<string, string> }>();
  private readonly subscribers = new Set<Subscriber>();
  /** Calls answered, by route name (for tests and the bench's sanity check). */
  readonly calls = new Map<string, number>();

  constructor(readonly name: string) {}

  find(idOrName: string): SimContainer | undefined {
    const direct = this.containers.get(idOrName);
    if (direct !== undefined) return direct;
    const name = idOrName.replace(/^\//, "");
    for (const c of this.containers.values())
      if (c.name === name || (idOrName.length >= 12 && c.id.startsWith(idOrName))) return c;
    return undefined;
  }

  create(name: string | undefined, body: Record<string, unknown>): SimContainer | "conflict" {
    if (name !== undefined && this.find(name) !== undefined) return "conflict";
    const id = randomBytes(32).toString("hex");
    const { HostConfig, NetworkingConfig, ...config } = body;
    const hostConfig = (HostConfig ?? {}) as Record<string, unknown>;
    const labels = (config["Labels"] ?? {}) as Record<string, string>;
    const networks: Record<string, { IPAddress: string }> = {};
    const endpoints = (NetworkingConfig as { EndpointsConfig?: Record<string, unknown> } | undefined)
      ?.EndpointsConfig;
    const mode = typeof hostConfig["NetworkMode"] === "string" ? hostConfig["NetworkMode"] : undefined;
    for (const net of [...Object.keys(endpoints ?? {}), ...(mode !== undefined ? [mode] : [])])
      networks[net] = { IPAddress: `172.20.${(nextIp >> 8) & 255}.${nextIp++ & 255}` };
    const ports: SimContainer["ports"] = [];
    const bindings = (hostConfig["PortBindings"] ?? {}) as Record<
      string,
      { HostIp?: string; HostPort?: string }[]
    >;
    for (const [key, list] of Object.entries(bindings)) {
      const [port, type] = key.split("/");
      for (const b of list ?? [])
        ports.push({
          PrivatePort: Number(port),
          PublicPort: b.HostPort ? Number(b.HostPort) : nextPort++,
          Type: type ?? "tcp",
          IP: b.HostIp || "0.0.0.0",
        });
    }
    const c: SimContainer = {
      id,
      name: name ?? id.slice(0, 12),
      created: Date.now(),
      config,
      hostConfig,
      labels,
      image: typeof config["Image"] === "string" ? config["Image"] : "",
      networks,
      ports,
      state: "created",
      archives: new Map(),
    };
    this.containers.set(id, c);
    this.emit(c, "create");
    return c;
  }

  start(c: SimContainer): "started" | "already" {
    if (c.state === "running") return "already";
    c.state = "running";
    c.startedAt = Date.now();
    this.emit(c, "start");
    if (c.config["Healthcheck"] !== undefined) this.emit(c, "health_status: healthy");
    return "started";
  }

  stop(c: SimContainer, how: "stop" | "kill"): "stopped" | "already" {
    if (c.state !== "running") return "already";
    c.state = "exited";
    c.finishedAt = Date.now();
    if (how === "kill") this.emit(c, "kill");
    this.emit(c, "die");
    if (how === "stop") this.emit(c, "stop");
    return "stopped";
  }

  remove(c: SimContainer): void {
    if (c.state === "running") this.stop(c, "kill");
    this.containers.delete(c.id);
    this.emit(c, "destroy");
  }

  /** `docker ps` entries, filtered by label (k or k=v) like dockerd's `filters={"label":[...]}`. */
  list(all: boolean, labels: readonly string[]): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const c of this.containers.values()) {
      if (!all && c.state !== "running") continue;
      if (!labels.every((l) => hasLabel(c.labels, l))) continue;
      out.push({
        Id: c.id,
        Names: [`/${c.name}`],
        Image: c.image,
        ImageID: `sha256:${c.image.length.toString(16).padStart(64, "0")}`,
        Command: "",
        Created: Math.floor(c.created / 1000),
        State: c.state,
        Status: statusLine(c),
        Ports: c.state === "running" ? c.ports : [],
        Labels: c.labels,
        HostConfig: { NetworkMode: c.hostConfig["NetworkMode"] ?? "default" },
        NetworkSettings: { Networks: c.networks },
        Mounts: [],
      });
    }
    return out;
  }

  inspect(c: SimContainer): Record<string, unknown> {
    const iso = (t: number | undefined): string =>
      t === undefined ? "0001-01-01T00:00:00Z" : new Date(t).toISOString();
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Created: new Date(c.created).toISOString(),
      Image: `sha256:${c.image.length.toString(16).padStart(64, "0")}`,
      RestartCount: 0,
      State: {
        Status: c.state,
        Running: c.state === "running",
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: c.state === "running" ? 4242 : 0,
        ExitCode: c.state === "exited" ? 0 : 0,
        StartedAt: iso(c.startedAt),
        FinishedAt: iso(c.finishedAt),
        ...(c.config["Healthcheck"] !== undefined && c.state === "running"
          ? { Health: { Status: "healthy", FailingStreak: 0, Log: [] } }
          : {}),
      },
      Config: { ...c.config, Labels: c.labels },
      HostConfig: c.hostConfig,
      NetworkSettings: {
        Networks: c.networks,
        Ports: Object.fromEntries(
          c.ports.map((p) => [
            `${p.PrivatePort}/${p.Type}`,
            [{ HostIp: p.IP, HostPort: String(p.PublicPort) }],
          ]),
        ),
      },
      Mounts: [],
    };
  }

  /** An open `GET /events` response: container events whose labels match, one JSON line each. */
  subscribe(res: ServerResponse, labels: readonly string[]): void {
    const s = { res, labels };
    this.subscribers.add(s);
    res.on("close", () => this.subscribers.delete(s));
  }

  /** Ends every event stream (as a restarting dockerd would). */
  closeStreams(): void {
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
  }

  private emit(c: SimContainer, action: string): void {
    if (this.subscribers.size === 0) return;
    const now = Date.now();
    const line = `${JSON.stringify({
      Type: "container",
      Action: action,
      status: action,
      id: c.id,
      Actor: { ID: c.id, Attributes: { ...c.labels, name: c.name, image: c.image } },
      scope: "local",
      time: Math.floor(now / 1000),
      timeNano: now * 1e6,
    })}\n`;
    for (const s of this.subscribers) if (s.labels.every((l) => hasLabel(c.labels, l))) s.res.write(line);
  }
}

function hasLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf("=");
  if (eq < 0) return labels[filter] !== undefined;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

function statusLine(c: SimContainer): string {
  if (c.state === "created") return "Created";
  if (c.state === "exited") return "Exited (0) 1 second ago";
  return c.config["Healthcheck"] !== undefined ? "Up 1 second (healthy)" : "Up 1 second";
}
