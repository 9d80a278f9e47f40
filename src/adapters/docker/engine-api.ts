// The Engine API calls a deploy makes by the thousand (create, start, stop,
// remove, container and image inspect, lists), sent as plain HTTP requests
// with JSON bodies, without dockerode. docker-modem formats every request for
// its debug log (util.inspect of the options, deeply, whether or not anyone
// listens), parses and re-formats its URL, and copies a create's whole body
// into the query string: profiled over a 300-host deploy, its calls made a
// third of all the operator allocated, and that garbage was the operator's
// peak memory. These go to the same paths (unversioned, as dockerode sends
// them) over the same connection (unix socket, TCP, TLS with the host's
// material, SSH channels of the host's agent; otherwise kept-alive
// connections, as Node's default agents that dockerode used keep them), and
// fail with the same DockerErrors: a status other than 2xx carries Docker's
// JSON message and is classified by status as dockerode's errors are (304
// not-modified, 404, 409, ...). Streams (events, pulls, archives, exec) stay
// with dockerode.

import http from "node:http";
import type {
  ContainerCreateOptions,
  ContainerInfo,
  ContainerInspectInfo,
  ImageInfo,
  ImageInspectInfo,
  NetworkInspectInfo,
} from "dockerode";
import type { ConnectionOptions } from "./connection.js";
import { FREE_PER_HOST, hostAgent, requestTarget, sendRequest, type RequestTarget } from "./light.js";

/** Filters as Docker takes them: `{ label: ["a=b"] }`. */
export type Filters = Readonly<Record<string, readonly string[]>>;

export interface VolumeListing {
  readonly Volumes: Array<{
    Name: string;
    Driver: string;
    CreatedAt?: string;
    Labels: Record<string, string> | null;
  }> | null;
}

export interface CallOpts {
  /** Aborts the request (the call's deadline, see call.ts). */
  readonly signal?: AbortSignal;
  /** Its own deadline, connecting included (default: the client's). */
  readonly timeoutMs?: number;
}

/** Idle connections kept per host for the Engine API's calls (see light.ts, hostAgent). */
export const ENGINE_FREE_PER_HOST = FREE_PER_HOST;

export class EngineApi {
  private readonly target: RequestTarget;

  constructor(
    host: string,
    conn: ConnectionOptions,
    /** Backs up the caller's deadline, as the socket timeout of dockerode's client did. */
    private readonly timeoutMs: number,
    /** This host's kept-alive connections (hostAgent); over SSH the channels of the host's own agent. */
    readonly agent: http.Agent | undefined = hostAgent(conn),
  ) {
    this.target = requestTarget(host, conn, agent);
  }

  listContainers(q: { all?: boolean; filters?: Filters }, o: CallOpts = {}): Promise<ContainerInfo[]> {
    return this.json("list", "GET", `/containers/json${query(q)}`, o) as Promise<ContainerInfo[]>;
  }

  inspectContainer(ref: string, o: CallOpts = {}): Promise<ContainerInspectInfo> {
    return this.json("inspect", "GET", `/containers/${ref}/json`, o) as Promise<ContainerInspectInfo>;
  }

  /** The container's name goes in the query (as `docker create` sends it), the rest in the body. */
  async createContainer(options: ContainerCreateOptions, o: CallOpts = {}): Promise<{ id: string }> {
    const { name, ...body } = options;
    const path = `/containers/create${query({ ...(name !== undefined ? { name } : {}) })}`;
    const created = (await this.json("create", "POST", path, o, body)) as { Id: string };
    return { id: created.Id };
  }

  start(id: string, o: CallOpts = {}): Promise<void> {
    return this.call("start", "POST", `/containers/${id}/start`, o);
  }

  /** `t`: seconds of grace before SIGKILL. */
  stop(id: string, t: number, o: CallOpts = {}): Promise<void> {
    return this.call("stop", "POST", `/containers/${id}/stop${query({ t })}`, o);
  }

  remove(id: string, q: { force?: boolean; v?: boolean }, o: CallOpts = {}): Promise<void> {
    return this.call("remove", "DELETE", `/containers/${id}${query(q)}`, o);
  }

  inspectImage(ref: string, o: CallOpts = {}): Promise<ImageInspectInfo> {
    return this.json("inspect-image", "GET", `/images/${ref}/json`, o) as Promise<ImageInspectInfo>;
  }

  listImages(o: CallOpts = {}): Promise<ImageInfo[]> {
    return this.json("list-images", "GET", "/images/json", o) as Promise<ImageInfo[]>;
  }

  info(o: CallOpts = {}): Promise<Record<string, unknown>> {
    return this.json("info", "GET", "/info", o) as Promise<Record<string, unknown>>;
  }

  listVolumes(q: { filters?: Filters }, o: CallOpts = {}): Promise<VolumeListing> {
    return this.json("list-volumes", "GET", `/volumes${query(q)}`, o) as Promise<VolumeListing>;
  }

  listNetworks(q: { filters?: Filters }, o: CallOpts = {}): Promise<NetworkInspectInfo[]> {
    return this.json("list-networks", "GET", `/networks${query(q)}`, o) as Promise<NetworkInspectInfo[]>;
  }

  connectNetwork(network: string, container: string, o: CallOpts = {}): Promise<void> {
    return this.call("network-connect", "POST", `/networks/${network}/connect`, o, { Container: container });
  }

  /** One request whose answer is JSON: the parsed answer, or a DockerError. */
  private async json(
    op: string,
    method: string,
    path: string,
    o: CallOpts,
    body?: unknown,
  ): Promise<unknown> {
    return parse(await this.exchange(op, method, path, o, body));
  }

  /** One request whose answer does not matter (204, or a word): done, or a DockerError. */
  private async call(op: string, method: string, path: string, o: CallOpts, body?: unknown): Promise<void> {
    await this.exchange(op, method, path, o, body);
  }

  private exchange(op: string, method: string, path: string, o: CallOpts, body?: unknown): Promise<Buffer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const headers =
      payload === undefined ? {} : { "content-type": "application/json", "content-length": payload.length };
    return this.request(op, { method, path, headers }, o, payload);
  }

  private async request(op: string, ro: http.RequestOptions, o: CallOpts, body?: Buffer): Promise<Buffer> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    return (await sendRequest(this.target, op, ro, { timeoutMs, signal: o.signal }, body)).body;
  }
}

/** `?a=1&b=...` with objects as JSON (Docker's filters), or "" when there is nothing to send. */
function query(q: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    const s = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

function parse(data: Buffer): unknown {
  return JSON.parse(data.toString("utf8"));
}
