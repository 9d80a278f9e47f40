// Real HTTP servers on loopback standing in for replicas: each answers with its
// id and the X-Forwarded-For it received, serves /health, and can be told to
// stop answering (accept, then never respond) like a wedged process.

import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestBackend {
  readonly id: string;
  readonly port: number;
  /** Requests served, not counting health checks. */
  hits: number;
  /** While true, neither requests nor checks get an answer. */
  hung: boolean;
  close(): Promise<void>;
}

export interface Echo {
  readonly id: string;
  readonly xff: string | undefined;
  readonly host: string | undefined;
}

export async function startBackend(id: string): Promise<TestBackend> {
  const server = http.createServer((req, res) => {
    if (backend.hung) return; // the socket stays open, silent
    if (req.url === "/health") {
      res.end("ok");
      return;
    }
    backend.hits++;
    const echo: Echo = {
      id,
      xff: req.headers["x-forwarded-for"] as string | undefined,
      host: req.headers.host,
    };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(echo));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const backend: TestBackend = {
    id,
    port: (server.address() as AddressInfo).port,
    hits: 0,
    hung: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return backend;
}

/** A port that was free a moment ago on `address` (loopback only). */
export async function freePort(address = "127.0.0.1"): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
