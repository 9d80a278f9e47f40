import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  backendName,
  endpointsFromStat,
  parseBackendName,
  parseShowProc,
  parseShowStat,
  serverName,
  takesTraffic,
  unbindablePorts,
} from "../../../src/edge/index.js";

// Captured from HAProxy 2.6.12 on this machine: one server up, one refused, one drained, one unchecked.
const SHOW_STAT = readFileSync(new URL("./show-stat-2.6.txt", import.meta.url), "utf8");
// Captured right after a reload while a connection kept the old worker alive.
const SHOW_PROC = readFileSync(new URL("./show-proc-2.6.txt", import.meta.url), "utf8");

describe("parseShowStat", () => {
  it("reads every proxy and server line by column name", () => {
    const rows = parseShowStat(SHOW_STAT);
    expect(rows.map((r) => [r.proxy, r.server, r.status])).toEqual([
      ["fe_any_18081", "FRONTEND", "OPEN"],
      ["be_api_8080", "h1:gf-prod-api-1-aaaa", "UP"],
      ["be_api_8080", "h2:gf-prod-api-2-aaaa", "DOWN"],
      ["be_api_8080", "h3:gf-prod-api-3-aaaa", "DRAIN"],
      ["be_api_8080", "h3:gf-prod-api-4-aaaa", "no check"],
      ["be_api_8080", "BACKEND", "UP"],
      ["be_web_80", "BACKEND", "UP"],
    ]);
    expect(rows[2]).toMatchObject({
      address: "127.0.0.1:1",
      checkStatus: "L4CON",
      checkDescription: "Layer4 connection problem",
    });
  });

  it("returns nothing for an empty or unexpected answer", () => {
    expect(parseShowStat("")).toEqual([]);
    expect(parseShowStat("Unknown command\n")).toEqual([]);
  });
});

describe("endpointsFromStat", () => {
  it("lists the servers of gitfleet backends with whether they take new traffic", () => {
    expect(endpointsFromStat(parseShowStat(SHOW_STAT))).toEqual([
      {
        service: "api",
        target: 8080,
        server: "h1:gf-prod-api-1-aaaa",
        address: "127.0.0.1:18081",
        status: "UP",
        inRotation: true,
      },
      {
        service: "api",
        target: 8080,
        server: "h2:gf-prod-api-2-aaaa",
        address: "127.0.0.1:1",
        status: "DOWN",
        inRotation: false,
      },
      {
        service: "api",
        target: 8080,
        server: "h3:gf-prod-api-3-aaaa",
        address: "127.0.0.1:18081",
        status: "DRAIN",
        inRotation: false,
      },
      {
        service: "api",
        target: 8080,
        server: "h3:gf-prod-api-4-aaaa",
        address: "127.0.0.1:18081",
        status: "no check",
        inRotation: true,
      },
    ]);
  });

  it("counts a server that is failing checks but not yet down as in rotation, one coming up as not", () => {
    expect(takesTraffic("UP 1/3")).toBe(true);
    expect(takesTraffic("DOWN 1/2")).toBe(false);
    expect(takesTraffic("MAINT")).toBe(false);
  });
});

describe("names", () => {
  it("maps backend names back to service and port", () => {
    expect(parseBackendName(backendName("my-api", 8080))).toEqual({ service: "my-api", target: 8080 });
    expect(parseBackendName(backendName("shop_web", 80))).toEqual({ service: "shop_web", target: 80 });
    expect(parseBackendName("fe_any_80")).toBeUndefined();
    expect(parseBackendName("be_api_80_x")).toBeUndefined();
  });

  it("keeps server names within HAProxy's character set", () => {
    expect(serverName("host one", "gf-prod-api-1")).toBe("host_one:gf-prod-api-1");
  });
});

describe("parseShowProc", () => {
  it("reads the master's reload counters and the current and old workers", () => {
    expect(parseShowProc(SHOW_PROC)).toEqual({
      masterPid: 17982,
      reloads: 1,
      failedReloads: 0,
      workers: [18073],
      oldWorkers: [17984],
    });
  });

  it("returns undefined when there is no master line", () => {
    expect(parseShowProc("Unknown command.\n")).toBeUndefined();
  });
});

describe("unbindablePorts", () => {
  it("reads the ports HAProxy 2.6 could not bind from its log, each once", () => {
    // Captured from HAProxy 2.6.12 on this machine: a reload adding a bind on a port in use.
    const log = [
      "[ALERT]    (4152) : Binding [/tmp/hp/cur.cfg:10] for frontend a: cannot bind socket (Address already in use) for [127.0.0.1:18082]",
      "[ALERT]    (4152) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.",
      "[WARNING]  (4152) : Loading failure!",
      "[WARNING]  (4192) : Resumed frontend a.",
      "[ALERT]    (4160) : Starting frontend fe_10.0.0.12_80: cannot bind socket (Permission denied) [10.0.0.12:80]",
      "[ALERT]    (4170) : Binding [x.cfg:3] for frontend b: cannot bind socket (Address already in use) for [[::1]:18082]",
    ].join("\n");
    expect(unbindablePorts(log)).toEqual([80, 18082]);
    expect(unbindablePorts("[WARNING]  (4192) : Resumed frontend a.")).toEqual([]);
  });
});
