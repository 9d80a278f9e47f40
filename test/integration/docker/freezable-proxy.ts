// A TCP proxy to the local Docker socket that can be frozen: while frozen it
// keeps every connection open but passes no bytes, as a SIGSTOPped dockerd
// or a silent partition would. Thawing passes everything again. cut() closes
// every connection from the far end, as a restarted dockerd would.

import { connect, createServer, type Server, type Socket } from "node:net";

export class FreezableProxy {
  private frozen = false;
  private readonly pairs: Array<[Socket, Socket]> = [];
  private readonly held: Socket[] = [];
  private server: Server | undefined;
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.accepted++;
      if (this.frozen) this.held.push(client);
      else this.link(client);
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    const a = this.server.address();
    if (a === null || typeof a === "string") throw new Error("no port");
    this.port = a.port;
  }

  freeze(): void {
    this.frozen = true;
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  thaw(): void {
    this.frozen = false;
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
    for (const c of this.held.splice(0)) this.link(c);
  }

  /** Close every open connection from the proxy's side. */
  cut(): void {
    for (const [a, b] of this.pairs.splice(0)) {
      a.destroy();
      b.destroy();
    }
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    for (const c of this.held) c.destroy();
    await new Promise((r) => this.server?.close(r));
  }

  private link(client: Socket): void {
    const upstream = connect("/var/run/docker.sock");
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    this.pairs.push([client, upstream]);
  }
}
