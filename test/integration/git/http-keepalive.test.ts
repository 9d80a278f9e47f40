// Issue 13: a poll made just after the server closed its kept-alive
// connection must not be reported as a Git outage. In front of git's
// http-backend, a proxy with a 1 s keep-alive that closes a connection the
// worst way: exactly when the next request arrives on it after 1 s idle
// (the race a server's own idle timer loses against a client now and then),
// with a reset. An idempotent request that fails so is sent again on a new
// connection; and a client whose idle timeout is below the server's never
// sends on a connection the server is about to close.

import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpRemote } from "../../../src/adapters/git/remote-http.js";
import { validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

/** TCP proxy: a connection idle for `keepAliveMs` is reset by the next request sent on it. */
async function shortKeepAliveProxy(target: string, keepAliveMs: number) {
  const { port: targetPort } = new URL(target);
  const stats = { connections: 0, resets: 0 };
  const server = net.createServer((client) => {
    stats.connections += 1;
    const backend = net.connect(Number(targetPort), "127.0.0.1");
    let lastAnswer: number | undefined;
    backend.on("data", (chunk) => {
      lastAnswer = Date.now();
      client.write(chunk);
    });
    client.on("data", (chunk) => {
      if (lastAnswer !== undefined && Date.now() - lastAnswer >= keepAliveMs) {
        stats.resets += 1;
        client.resetAndDestroy();
        backend.destroy();
        return;
      }
      backend.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      backend.destroy();
    };
    client.on("error", close).on("close", close);
    backend.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(target);
  url.port = String(port);
  return {
    url: url.toString(),
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("HTTP keep-alive against a server with a 1 s keep-alive", () => {
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof shortKeepAliveProxy>> | undefined;
  afterEach(async () => {
    await proxy?.close();
    await h?.close();
  });

  it("sends a poll that fails on a reused, server-closed connection once more on a new one", async () => {
    h = await startHarness(validRepo());
    proxy = await shortKeepAliveProxy(h.url, 1_000);
    // An idle timeout longer than the server's: the client does reuse connections the server dropped.
    const remote = new HttpRemote({
      url: proxy.url,
      gitdir: `${h.cacheDir}/a.git`,
      auth,
      idleTimeoutMs: 60_000,
    });
    const first = await remote.listRefs("refs/heads/");
    await remote.fetch("refs/heads/main", first[0]?.oid ?? "", "refs/heads/tip");
    for (let i = 0; i < 3; i++) {
      await sleep(1_200);
      // Each of these goes out on a connection the proxy resets: retried, so it succeeds.
      expect((await remote.listRefs("refs/heads/")).map((r) => r.ref)).toEqual(["refs/heads/main"]);
    }
    expect(proxy.stats.resets).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it("closes idle connections before the server would (idle timeout below the server's keep-alive)", async () => {
    h = await startHarness(validRepo());
    proxy = await shortKeepAliveProxy(h.url, 1_000);
    const remote = new HttpRemote({
      url: proxy.url,
      gitdir: `${h.cacheDir}/b.git`,
      auth,
      idleTimeoutMs: 500,
    });
    await remote.listRefs("refs/heads/");
    const before = proxy.stats.connections;
    for (let i = 0; i < 3; i++) {
      await sleep(1_200);
      await remote.listRefs("refs/heads/");
    }
    expect(proxy.stats.resets).toBe(0);
    expect(proxy.stats.connections).toBe(before + 3); // a new connection for each poll
  }, 60_000);

  it("waits for a server slower than the idle timeout until the request deadline", async () => {
    h = await startHarness(validRepo());
    const remote = new HttpRemote({
      url: h.url,
      gitdir: `${h.cacheDir}/c.git`,
      auth,
      idleTimeoutMs: 300,
      timeoutMs: 60_000,
    });
    await remote.listRefs("refs/heads/");
    // Silent for longer than the idle timeout, on a reused connection and on a new one.
    h.server.delayMs = 1_500;
    expect((await remote.listRefs("refs/heads/")).map((r) => r.ref)).toEqual(["refs/heads/main"]);
    await sleep(600);
    expect((await remote.listRefs("refs/heads/")).map((r) => r.ref)).toEqual(["refs/heads/main"]);
  }, 120_000);
});
