// SSH connections to one server (user@host:port), kept open and shared: every
// remote command (`docker system dial-stdio`, `git-upload-pack`) is a channel
// on a connection that has already been authenticated both ways, so a
// heartbeat costs no handshake. A connection carries at most `maxChannels` at
// once (OpenSSH allows 10 sessions per connection); beyond that another one
// is opened. Keys and known_hosts are read again for every new connection, so
// a rotated key or pin takes effect without a restart. ssh2 itself is loaded
// at the first connection: an operator that reaches nothing over SSH never
// loads it (issue 13: it cost every `gitfleet run` about 55 ms of CPU at start).

import type { Client, ClientChannel, ConnectConfig } from "ssh2";
import { SshError, toSshError } from "./errors.js";
import { hostKeyCheck, noPinnedTypeOffered } from "./host-key.js";
import type { KnownHosts } from "./known-hosts.js";

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
}

/** What authenticates both ends; read when a connection is opened. */
export interface SshMaterial {
  readonly knownHosts: KnownHosts;
  /** Where the pins come from, for messages ("secret ssh/known_hosts"). */
  readonly knownHostsSource: string;
  readonly privateKey?: Buffer;
  /** Where the key comes from, for messages. */
  readonly keySource: string;
  /** An ssh-agent socket, tried when there is no key. */
  readonly agent?: string;
}

export interface SshClientOptions {
  readonly target: SshTarget;
  readonly material: () => Promise<SshMaterial>;
  /** Deadline of the TCP connect plus handshake (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** Probe an idle connection this often; three missed answers close it (default 5 s). */
  readonly keepaliveIntervalMs?: number;
  readonly maxChannels?: number;
}

export class SshClient {
  readonly where: string;
  private live: Connection[] = [];
  private connecting: Promise<Connection> | undefined;
  private closed = false;

  constructor(private readonly options: SshClientOptions) {
    const t = options.target;
    this.where = `${t.username}@${t.host}${t.port === 22 ? "" : `:${t.port}`}`;
  }

  /** Run `command` on the server; the channel's stdin/stdout are the command's. */
  async exec(command: string): Promise<ClientChannel> {
    const max = this.options.maxChannels ?? 8;
    for (;;) {
      if (this.closed) throw new SshError("ssh-closed", `SSH client for ${this.where} was closed`);
      this.live = this.live.filter((c) => !c.closed);
      const free = this.live.find((c) => c.channels < max);
      const conn = free ?? (await this.connect());
      if (conn.closed || conn.channels >= max) continue; // taken meanwhile: pick again
      return conn.exec(command, this.where);
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.live) c.end();
    this.live = [];
  }

  /** One handshake at a time; everyone waiting shares it. */
  private connect(): Promise<Connection> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Connection> {
    const { target } = this.options;
    const m = await this.options.material();
    if (m.privateKey === undefined && m.agent === undefined) {
      throw new SshError("ssh-key-invalid", `no SSH key for ${this.where}: expected ${m.keySource}`);
    }
    const keys = m.knownHosts.lookup(target.host, target.port);
    const named = `${target.host} port ${target.port}`;
    const check = hostKeyCheck(keys, named, m.knownHostsSource);
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: this.options.readyTimeoutMs ?? 10_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (blob: Buffer) => check.verify(blob),
      ...(check.algorithms !== undefined ? { algorithms: { serverHostKey: check.algorithms } } : {}),
      ...(m.privateKey !== undefined ? { privateKey: m.privateKey } : {}),
      ...(m.agent !== undefined ? { agent: m.agent } : {}),
    };
    const client = new (await import("ssh2")).Client();
    const conn = await new Promise<Connection>((resolve, reject) => {
      client.once("ready", () => resolve(new Connection(client)));
      client.once("error", (err: Error) => {
        client.end();
        if (check.refusal() !== undefined) reject(check.refusal());
        else if (/no matching host key/i.test(err.message))
          reject(noPinnedTypeOffered(keys, named, m.knownHostsSource));
        else reject(toSshError(err, this.where));
      });
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 parses the private key synchronously.
        reject(new SshError("ssh-key-invalid", `cannot use ${m.keySource}: ${String(err)}`, { cause: err }));
      }
    });
    if (this.closed) {
      conn.end();
      throw new SshError("ssh-closed", `SSH client for ${this.where} was closed`);
    }
    this.live.push(conn);
    return conn;
  }
}

class Connection {
  channels = 0;
  closed = false;

  constructor(private readonly client: Client) {
    // After the handshake an error only means the connection is gone; the
    // channels on it fail on their own, and the next exec opens a new one.
    client.on("error", () => (this.closed = true));
    client.on("close", () => (this.closed = true));
    client.on("end", () => (this.closed = true));
  }

  exec(command: string, where: string): Promise<ClientChannel> {
    this.channels++;
    return new Promise((resolve, reject) => {
      const failed = (err: unknown): void => {
        this.channels--;
        reject(
          new SshError(
            "ssh-exec-failed",
            `cannot run ${command.split(" ")[0] ?? ""} on ${where}: ${String(err)}`,
          ),
        );
      };
      try {
        this.client.exec(command, (err, channel) => {
          if (err) return failed(err);
          channel.once("close", () => this.channels--);
          resolve(channel);
        });
      } catch (err) {
        failed(err);
      }
    });
  }

  end(): void {
    this.closed = true;
    this.client.end();
  }
}
