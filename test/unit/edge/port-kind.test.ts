import { describe, expect, it } from "vitest";
import { appMode, edgeCheck, httpProbe } from "../../../src/edge/index.js";
import { cmdHealth, httpHealth, port } from "./fixtures.js";

describe("httpProbe", () => {
  it("finds the URL of wget and curl healthchecks, in exec and shell form", () => {
    expect(httpProbe(httpHealth("http://localhost:8080/health"))).toEqual({ port: 8080, path: "/health" });
    expect(
      httpProbe(cmdHealth({ test: ["CMD-SHELL", "curl -fs http://127.0.0.1:3000/ready?deep=1 || exit 1"] })),
    ).toEqual({
      port: 3000,
      path: "/ready?deep=1",
    });
    expect(httpProbe(cmdHealth({ test: ["CMD", "wget", "-q", "http://localhost"] }))).toEqual({
      port: 80,
      path: "/",
    });
  });

  it("ignores https, disabled checks and commands without a URL", () => {
    expect(httpProbe(httpHealth("https://localhost:8443/health"))).toBeUndefined();
    expect(httpProbe(cmdHealth({ test: ["NONE"] }))).toBeUndefined();
    expect(httpProbe(cmdHealth())).toBeUndefined();
    expect(httpProbe(undefined)).toBeUndefined();
  });

  it("falls back to / when the path holds characters HAProxy would interpret", () => {
    expect(httpProbe(httpHealth("http://localhost:8080/a$HOME"))?.path).toBe("/");
  });
});

describe("appMode", () => {
  it("is HTTP when the healthcheck probes http:// on that port", () => {
    const hc = httpHealth("http://localhost:8080/health");
    expect(appMode(port(8080), hc)).toBe("http");
    expect(appMode(port(9090), hc)).toBe("tcp");
  });

  it("follows app_protocol over the guess", () => {
    expect(appMode(port(5000, { appProtocol: "http" }), undefined)).toBe("http");
    expect(appMode(port(8080, { appProtocol: "tcp" }), httpHealth("http://localhost:8080/"))).toBe("tcp");
  });

  it("defaults to TCP", () => {
    expect(appMode(port(6379), undefined)).toBe("tcp");
  });
});

describe("edgeCheck", () => {
  it("takes interval, timeout and retries from the healthcheck, capped so a dead replica leaves quickly", () => {
    const hc = httpHealth("http://localhost:8080/health", {
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 5,
    });
    expect(edgeCheck(port(8080), hc, 2000)).toEqual({
      kind: "http",
      path: "/health",
      interMs: 2000,
      timeoutMs: 1000,
      fall: 2,
      rise: 2,
    });
  });

  it("uses a TCP connect check for ports the healthcheck does not probe over HTTP", () => {
    expect(edgeCheck(port(5432), cmdHealth({ intervalMs: 500, timeoutMs: 200, retries: 1 }), 2000)).toEqual({
      kind: "tcp",
      interMs: 500,
      timeoutMs: 200,
      fall: 1,
      rise: 2,
    });
  });

  it("checks services without a healthcheck with defaults", () => {
    expect(edgeCheck(port(80), undefined, 1000)).toEqual({
      kind: "tcp",
      interMs: 1000,
      timeoutMs: 1000,
      fall: 2,
      rise: 2,
    });
  });
});
