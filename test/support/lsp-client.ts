// A minimal Language Server Protocol client over stdio: Content-Length framed
// JSON-RPC 2.0, enough to drive a real language server the way an editor does
// (requests, notifications, answering the server's own requests, collecting
// published diagnostics). No mocking: the server is a child process.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

type Json = unknown;

interface Message {
  readonly jsonrpc: "2.0";
  readonly id?: number | string;
  readonly method?: string;
  readonly params?: Json;
  readonly result?: Json;
  readonly error?: { readonly code: number; readonly message: string };
}

export interface Diagnostic {
  readonly range: { readonly start: { line: number; character: number } };
  readonly message: string;
  readonly severity?: number;
}

type ServerRequestHandler = (params: Json) => Json;

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<string, ServerRequestHandler>();
  private readonly diagnosticWaiters = new Map<string, Array<(d: readonly Diagnostic[]) => void>>();
  private stderr = "";

  constructor(command: string, args: readonly string[], cwd: string) {
    this.child = spawn(command, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    this.child.on("exit", (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`server exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Answers a request the server sends to the client (e.g. workspace/configuration). */
  onRequest(method: string, handler: ServerRequestHandler): void {
    this.handlers.set(method, handler);
  }

  request(method: string, params: Json, timeoutMs = 20_000): Promise<Json> {
    const id = this.nextId++;
    this.send({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  notify(method: string, params: Json): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** The next diagnostics the server publishes for `uri`. */
  nextDiagnostics(uri: string, timeoutMs = 20_000): Promise<readonly Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const list = this.diagnosticWaiters.get(uri) ?? [];
      list.push((d) => (clearTimeout(timer), resolve(d)));
      this.diagnosticWaiters.set(uri, list);
    });
  }

  async shutdown(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      await this.request("shutdown", null, 5_000);
      this.notify("exit", null);
    } catch {
      // Already gone or hung: killed below.
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (!Number.isFinite(length)) throw new Error(`bad LSP header: ${header}`);
      const start = headerEnd + 4;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString("utf8");
      this.buffer = this.buffer.subarray(start + length);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(message: Message): void {
    if (message.method !== undefined && message.id !== undefined) {
      // A request from the server: answer it, with null when we have nothing to say.
      const handler = this.handlers.get(message.method);
      this.send({ jsonrpc: "2.0", id: message.id, result: handler ? handler(message.params) : null });
      return;
    }
    if (message.method === "textDocument/publishDiagnostics") {
      const params = message.params as { uri: string; diagnostics: Diagnostic[] };
      const waiters = this.diagnosticWaiters.get(params.uri) ?? [];
      this.diagnosticWaiters.delete(params.uri);
      for (const w of waiters) w(params.diagnostics);
      return;
    }
    if (message.id !== undefined && typeof message.id === "number") {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) p?.reject(new Error(`${message.error.code}: ${message.error.message}`));
      else p?.resolve(message.result ?? null);
    }
  }
}
