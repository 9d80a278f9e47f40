// The heartbeat's kept connection (src/adapters/docker/kept-connection.ts)
// against a local TCP server that answers as told, byte by byte: answers are
// read into one buffer kept per connection, so what a caller gets must be its
// own (a later read must not change it), an answer split over reads must be
// put together, and the connection's one deadline timer must give each
// request its own full deadline.

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KeptConnection } from "../../../src/adapters/docker/kept-connection.js";
import { DockerError } from "../../../src/adapters/docker/errors.js";

/** How the server answers the next request: parts written with a pause before each (ms), or never. */
type Answer = { readonly parts: readonly (readonly [number, string])[] } | "never";

const answers: Answer[] = [];
/** Every byte the server received, in order (for the requests' bytes). */
let received = "";
let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    let seen = "";
    socket.on("data", (d: Buffer) => {
      seen += d.toString("latin1");
      received += d.toString("latin1");
      for (let end = seen.indexOf("\r\n\r\n"); end >= 0; end = seen.indexOf("\r\n\r\n")) {
        seen = seen.slice(end + 4); // requests here carry no body
        void answer(socket, answers.shift() ?? "never");
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function answer(socket: net.Socket, a: Answer): Promise<void> {
  if (a === "never") return;
  for (const [pause, text] of a.parts) {
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    socket.write(text, "latin1");
  }
}

const ok = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

function connection(): KeptConnection {
  return new KeptConnection("local", { host: "127.0.0.1", port, protocol: "http" });
}

describe("the kept connection's reads and deadline", () => {
  it("gives each caller a body of its own: the next answer, read into the same buffer, does not change it", async () => {
    const c = connection();
    try {
      answers.push({ parts: [[0, ok("first")]] }, { parts: [[0, ok("other")]] });
      const first = await c.request("ping", "GET /_ping HTTP/1.1", 5_000);
      const second = await c.request("ping", "GET /_ping HTTP/1.1", 5_000);
      expect(second.body.toString()).toBe("other");
      expect(first.body.toString()).toBe("first");
    } finally {
      c.close();
    }
  });

  it("puts together an answer split over reads (its head in one, its body in another)", async () => {
    const c = connection();
    try {
      const whole = ok("split body");
      const cut = whole.indexOf("\r\n\r\n") + 4;
      answers.push({
        parts: [
          [0, whole.slice(0, 9)],
          [30, whole.slice(9, cut)],
          [30, whole.slice(cut)],
        ],
      });
      const a = await c.request("ping", "GET /_ping HTTP/1.1", 5_000);
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe("split body");
      // The connection is still in step: the next request is answered on it.
      answers.push({ parts: [[0, ok("again")]] });
      expect((await c.request("ping", "GET /_ping HTTP/1.1", 5_000)).body.toString()).toBe("again");
    } finally {
      c.close();
    }
  });

  it("gives each request its full deadline, after answered ones too; one not answered fails at its own", async () => {
    const c = connection();
    const deadline = 1_000;
    try {
      answers.push({ parts: [[0, ok("OK")]] });
      await c.request("ping", "GET /_ping HTTP/1.1", deadline);
      await new Promise((r) => setTimeout(r, 600));
      // Answered 700 ms after it was sent: 1,300 ms after the first one, within its own deadline.
      answers.push({ parts: [[700, ok("late")]] });
      const late = await c.request("ping", "GET /_ping HTTP/1.1", deadline);
      expect(late.body.toString()).toBe("late");
      answers.push("never");
      const sent = performance.now();
      const err = await c.request("ping", "GET /_ping HTTP/1.1", deadline).catch((e: unknown) => e);
      const waited = performance.now() - sent;
      expect(err).toBeInstanceOf(DockerError);
      expect((err as DockerError).code).toBe("timeout");
      expect(waited).toBeGreaterThanOrEqual(deadline - 5);
      // A fresh connection afterwards, answered as before.
      answers.push({ parts: [[0, ok("back")]] });
      expect((await c.request("ping", "GET /_ping HTTP/1.1", deadline)).body.toString()).toBe("back");
    } finally {
      c.close();
    }
  });

  it("keeps every connection's deadline with one timer: 40 connections' requests set one or two", async () => {
    const cs = Array.from({ length: 40 }, () => connection());
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      for (let round = 0; round < 4; round++) {
        answers.push(...cs.map(() => ({ parts: [[0, ok("OK")]] }) as Answer));
        await Promise.all(cs.map((c) => c.request("ping", "GET /_ping HTTP/1.1", 5_000)));
      }
      // A timer per connection (moved to each of its requests' deadlines) would be 40.
      expect(timers.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      timers.mockRestore();
      for (const c of cs) c.close();
    }
  });

  it("writes each request's head and body whole, when bodies and heads change between requests", async () => {
    const c = connection();
    try {
      received = "";
      const sent: string[] = [];
      const put = async (head: string, body: string): Promise<void> => {
        answers.push({ parts: [[0, ok("")]] });
        await c.request("put", head, 5_000, Buffer.from(body, "latin1"));
        sent.push(`${head}\r\nHost: docker\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      };
      await put("PUT /a HTTP/1.1", "x".repeat(40));
      await put("PUT /a HTTP/1.1", "y".repeat(40)); // the same head: only the body written over
      await put("PUT /a HTTP/1.1", "z".repeat(30)); // a shorter body: its own length
      await put("PUT /bb HTTP/1.1", "w".repeat(50)); // another head
      await put("PUT /a HTTP/1.1", "v".repeat(40));
      expect(received).toBe(sent.join(""));
    } finally {
      c.close();
    }
  });
});
