// One command on an HAProxy CLI socket (the worker's stats socket or the
// master socket), the way `socat` does it: send the line, half-close, read
// until HAProxy closes. Half-closing matters: without it the master CLI keeps
// the connection open waiting for more commands.

import net from "node:net";
import { EdgeError } from "./errors.js";

const NOT_LISTENING = new Set(["ENOENT", "ECONNREFUSED"]);

export interface SocketCommandOptions {
  readonly timeoutMs?: number;
}

export function socketCommand(
  path: string,
  command: string,
  opts: SocketCommandOptions = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.createConnection({ path });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new EdgeError("edge-timeout", `${path}: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("connect", () => sock.end(`${command}\n`));
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const code = NOT_LISTENING.has(err.code ?? "") ? "edge-not-running" : "edge-socket";
      reject(new EdgeError(code, `${path}: ${err.message}`, { cause: err }));
    });
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}
