// A simulated Docker engine: one loopback HTTP listener per simulated host,
// all in one process, speaking the subset of the Engine API that gitfleet's
// Docker adapter uses (dockerode's requests: _ping, version, info, images,
// containers list/create/inspect/start/stop/kill/remove/rename/update/archive,
// networks, volumes, system/df, and the events stream). Every answer comes
// after a latency taken from the Docker facts measured for architecture.md
// (create 15 ms, list by label 1/17/54 ms at 0/100/500 containers); start is
// scaled down (see `startMs`) so a fleet-wide rollout fits in a benchmark.
// Anything else gets a 501 naming the route, and is counted in `unknown`, so a
// new call in the adapter shows up instead of silently working.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SimHost } from "./host.js";

export interface Latency {
  /** Container start; dockerd takes 0.4–1 s, the default is scaled down 10×. */
  readonly startMs: number;
  readonly createMs: number;
  readonly stopMs: number;
  readonly inspectMs: number;
  readonly pingMs: number;
  /** List by label, from the number of containers on the host. */
  listMs(containers: number): number;
}

export const MEASURED_LATENCY: Latency = {
  startMs: 40,
  createMs: 15,
  stopMs: 20,
  inspectMs: 2,
  pingMs: 0.5,
  // Piecewise linear through the measured 1 ms (0), 17 ms (100), 54 ms (500 containers).
  listMs: (n) => (n <= 100 ? 1 + 0.16 * n : 17 + (37 / 400) * (n - 100)),
};

export interface SimHostHandle {
  readonly host: SimHost;
  readonly port: number;
  /** tcp://127.0.0.1:PORT, as a cluster.yaml `docker:` address. */
  readonly docker: string;
}

export class SimDockerEngine {
  readonly hosts: SimHostHandle[] = [];
  readonly unknown = new Map<string, number>();
  private readonly servers: Server[] = [];
  /** Hosts made to hang (a frozen dockerd): requests are accepted and never answered. */
  readonly frozen = new Set<string>();
  /** Connections open now to each host's listener, and the most at once (by host name). */
  readonly connections = new Map<string, { open: number; peak: number }>();
  /** Told of every call as it arrives (before its latency), e.g. to time when creates are issued. */
  onCall: ((host: SimHost, route: string) => void) | undefined;

  private constructor(private readonly latency: Latency) {}

  static async start(count: number, latency: Latency = MEASURED_LATENCY): Promise<SimDockerEngine> {
    const engine = new SimDockerEngine(latency);
    for (let i = 0; i < count; i++) await engine.addHost(`sim${String(i + 1).padStart(4, "0")}`);
    return engine;
  }

  async addHost(name: string): Promise<SimHostHandle> {
    const host = new SimHost(name);
    const server = createServer((req, res) => void this.handle(host, req, res));
    server.keepAliveTimeout = 60_000;
    const count = { open: 0, peak: 0 };
    this.connections.set(name, count);
    server.on("connection", (socket) => {
      count.peak = Math.max(count.peak, ++count.open);
      socket.once("close", () => count.open--);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    this.servers.push(server);
    const handle = { host, port, docker: `tcp://127.0.0.1:${port}` };
    this.hosts.push(handle);
    return handle;
  }

  async close(): Promise<void> {
    for (const h of this.hosts) h.host.closeStreams();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  }

  private async handle(host: SimHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    const method = req.method ?? "GET";
    const body = await readBody(req);
    if (this.frozen.has(host.name)) return; // never answered: the caller's timeout decides
    const route = routeOf(method, path);
    host.calls.set(route.name, (host.calls.get(route.name) ?? 0) + 1);
    this.onCall?.(host, route.name);
    const delay = this.delayOf(route.name, host);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    try {
      answer(host, route, url, body, req, res, this.unknown);
    } catch (err) {
      send(res, 500, { message: String(err) });
    }
  }

  private delayOf(route: string, host: SimHost): number {
    const l = this.latency;
    switch (route) {
      case "ping":
        return l.pingMs;
      case "list":
        return l.listMs(host.containers.size);
      case "create":
        return l.createMs;
      case "start":
        return l.startMs;
      case "stop":
      case "kill":
      case "remove":
        return l.stopMs;
      case "inspect":
        return l.inspectMs;
      case "events":
        return 0;
      default:
        return 1;
    }
  }
}

interface Route {
  readonly name: string;
  readonly id?: string;
}

function routeOf(method: string, path: string): Route {
  if (path === "/_ping") return { name: "ping" };
  if (path === "/version") return { name: "version" };
  if (path === "/info") return { name: "info" };
  if (path === "/events") return { name: "events" };
  if (path === "/system/df") return { name: "df" };
  if (path === "/images/json") return { name: "images" };
  if (path === "/images/create" && method === "POST") return { name: "pull" };
  let m = /^\/images\/(.+)\/json$/.exec(path);
  if (m) return { name: "image-inspect", id: decodeURIComponent(m[1] ?? "") };
  if (path === "/containers/json") return { name: "list" };
  if (path === "/containers/create" && method === "POST") return { name: "create" };
  m = /^\/containers\/([^/]+)(?:\/(\w+))?$/.exec(path);
  if (m) {
    const id = decodeURIComponent(m[1] ?? "");
    const verb = m[2];
    if (verb === undefined) return { name: method === "DELETE" ? "remove" : `container-${method}`, id };
    if (verb === "json") return { name: "inspect", id };
    if (verb === "archive") return { name: method === "PUT" ? "put-archive" : "get-archive", id };
    return { name: verb, id };
  }
  if (path === "/networks" && method === "GET") return { name: "networks" };
  if (path === "/networks/create") return { name: "network-create" };
  m = /^\/networks\/([^/]+)(?:\/(\w+))?$/.exec(path);
  if (m) return { name: `network-${m[2] ?? method.toLowerCase()}`, id: decodeURIComponent(m[1] ?? "") };
  if (path === "/volumes" && method === "GET") return { name: "volumes" };
  if (path === "/volumes/create") return { name: "volume-create" };
  m = /^\/volumes\/([^/]+)$/.exec(path);
  if (m) return { name: `volume-${method.toLowerCase()}`, id: decodeURIComponent(m[1] ?? "") };
  return { name: `unknown ${method} ${path}` };
}

function answer(
  host: SimHost,
  route: Route,
  url: URL,
  body: Buffer,
  req: IncomingMessage,
  res: ServerResponse,
  unknown: Map<string, number>,
): void {
  const q = url.searchParams;
  const json = (): Record<string, unknown> =>
    body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
  const container = () => host.find(route.id ?? "");
  const missing = (): void => send(res, 404, { message: `No such container: ${route.id ?? ""}` });
  switch (route.name) {
    case "ping":
      res.writeHead(200, { "content-type": "text/plain", "api-version": "1.43" });
      res.end(req.method === "HEAD" ? undefined : "OK");
      return;
    case "version":
      return send(res, 200, { Version: "24.0.7-sim", ApiVersion: "1.43", Os: "linux", Arch: "amd64" });
    case "info":
      return send(res, 200, {
        Name: host.name,
        ServerVersion: "24.0.7-sim",
        NCPU: 8,
        MemTotal: 32 * 1024 ** 3,
        Containers: host.containers.size,
      });
    case "df":
      return send(res, 200, { Volumes: [], Containers: [], Images: [], LayersSize: 0 });
    case "images":
      return send(res, 200, []);
    case "image-inspect":
      // Every image is present: the simulated hosts never pull.
      return send(res, 200, { Id: `sha256:${"0".repeat(64)}`, RepoTags: [route.id], RepoDigests: [] });
    case "pull":
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        `${JSON.stringify({ status: `Status: Image is up to date for ${q.get("fromImage") ?? ""}` })}\n`,
      );
      return;
    case "list":
      return send(res, 200, host.list(q.get("all") === "true" || q.get("all") === "1", labelFilter(q)));
    case "create": {
      const c = host.create(q.get("name") ?? undefined, json());
      if (c === "conflict")
        return send(res, 409, { message: `Conflict. The container name is already in use` });
      return send(res, 201, { Id: c.id, Warnings: [] });
    }
    case "inspect": {
      const c = container();
      return c === undefined ? missing() : send(res, 200, host.inspect(c));
    }
    case "start":
    case "restart": {
      const c = container();
      if (c === undefined) return missing();
      if (route.name === "restart") host.stop(c, "stop");
      return host.start(c) === "already" ? send(res, 304) : send(res, 204);
    }
    case "stop":
    case "kill": {
      const c = container();
      if (c === undefined) return missing();
      return host.stop(c, route.name) === "already" && route.name === "stop"
        ? send(res, 304)
        : send(res, 204);
    }
    case "remove": {
      const c = container();
      if (c === undefined) return missing();
      host.remove(c);
      return send(res, 204);
    }
    case "rename": {
      const c = container();
      if (c === undefined) return missing();
      const name = q.get("name") ?? "";
      if (host.find(name) !== undefined) return send(res, 409, { message: "name in use" });
      c.name = name;
      return send(res, 204);
    }
    case "update": {
      const c = container();
      return c === undefined ? missing() : send(res, 200, { Warnings: [] });
    }
    case "put-archive": {
      const c = container();
      if (c === undefined) return missing();
      // Kept as the tar that carried the file: one-file archives are all gitfleet puts.
      c.archives.set(`${q.get("path") ?? "/"}|${firstName(body)}`, body);
      return send(res, 200);
    }
    case "get-archive": {
      const c = container();
      if (c === undefined) return missing();
      const wanted = q.get("path") ?? "";
      for (const [key, tar] of c.archives) {
        const [dir, name] = key.split("|");
        if (`${(dir ?? "/").replace(/\/$/, "")}/${name ?? ""}` === wanted) {
          res.writeHead(200, { "content-type": "application/x-tar" });
          res.end(tar);
          return;
        }
      }
      return send(res, 404, { message: `Could not find the file ${wanted} in container ${c.name}` });
    }
    case "networks": {
      const names = filterValues(q, "name");
      const list = [...host.networks.values()].filter((n) => names.length === 0 || names.includes(n.Name));
      return send(res, 200, list);
    }
    case "network-create": {
      const b = json();
      const name = String(b["Name"]);
      if ([...host.networks.values()].some((n) => n.Name === name))
        return send(res, 409, { message: `network with name ${name} already exists` });
      const id = `net${host.networks.size}${name}`;
      host.networks.set(id, { Id: id, Name: name, Labels: (b["Labels"] ?? {}) as Record<string, string> });
      return send(res, 201, { Id: id });
    }
    case "network-get": {
      const n = [...host.networks.values()].find((x) => x.Id === route.id || x.Name === route.id);
      return n === undefined ? send(res, 404, { message: "no such network" }) : send(res, 200, n);
    }
    case "network-delete": {
      const n = [...host.networks.values()].find((x) => x.Id === route.id || x.Name === route.id);
      if (n === undefined) return send(res, 404, { message: "no such network" });
      host.networks.delete(n.Id);
      return send(res, 204);
    }
    case "network-connect":
    case "network-disconnect":
      return send(res, 200);
    case "volumes": {
      const labels = labelFilter(q);
      const list = [...host.volumes.values()].filter((v) =>
        labels.every((l) => {
          const [k, val] = l.split("=");
          return val === undefined ? v.Labels[k ?? ""] !== undefined : v.Labels[k ?? ""] === val;
        }),
      );
      return send(res, 200, { Volumes: list, Warnings: [] });
    }
    case "volume-create": {
      const b = json();
      const v = { Name: String(b["Name"]), Labels: (b["Labels"] ?? {}) as Record<string, string> };
      host.volumes.set(v.Name, v);
      return send(res, 201, v);
    }
    case "volume-get": {
      const v = host.volumes.get(route.id ?? "");
      return v === undefined ? send(res, 404, { message: "no such volume" }) : send(res, 200, v);
    }
    case "volume-delete":
      host.volumes.delete(route.id ?? "");
      return send(res, 204);
    case "events":
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      res.flushHeaders();
      host.subscribe(res, labelFilter(q));
      return;
    default:
      unknown.set(route.name, (unknown.get(route.name) ?? 0) + 1);
      return send(res, 501, { message: `simulated engine: ${route.name} is not simulated` });
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function filterValues(q: URLSearchParams, key: string): string[] {
  const raw = q.get("filters");
  if (raw === null) return [];
  const f = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  const v = f[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : Object.keys(v).filter((k) => v[k] === true);
}

function labelFilter(q: URLSearchParams): string[] {
  return filterValues(q, "label");
}

/** The name of the first entry of a tar archive (ustar header: 100 bytes of name). */
function firstName(tar: Buffer): string {
  return tar.subarray(0, 100).toString("ascii").replace(/\0.*$/s, "");
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
