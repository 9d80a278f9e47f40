import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyEdgeConfig } from "../../../src/adapters/edge/apply.js";
import { checkHaproxyConfig } from "../../../src/adapters/edge/check.js";
import { renderEdgeConfig } from "../../../src/edge/index.js";
import { SCENARIOS, shop } from "../../unit/edge/fixtures.js";
import { HAPROXY_BIN, edgePaths, targetIn } from "./haproxy-process.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gf-edge-check-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("haproxy -c on rendered configurations", () => {
  it.each(Object.keys(SCENARIOS))("accepts the %s scenario", async (name) => {
    const scenario = SCENARIOS[name];
    if (scenario === undefined) throw new Error(name);
    const result = await checkHaproxyConfig(renderEdgeConfig(scenario()), { bin: HAPROXY_BIN });
    expect(result.alerts).toEqual([]);
    expect(result.ok).toBe(true);
    // The only warning allowed: a host named by DNS that does not resolve here (init-addr none keeps it off).
    expect(result.warnings.filter((w) => !w.includes("could not resolve address"))).toEqual([]);
  });

  it("refuses a broken configuration with HAProxy's alert", async () => {
    const broken = renderEdgeConfig(shop()).replace("balance roundrobin", "balance sideways");
    const result = await checkHaproxyConfig(broken, { bin: HAPROXY_BIN });
    expect(result.ok).toBe(false);
    expect(result.alerts.join("\n")).toMatch(/haproxy.cfg:\d+\] : balance only supports/);
  });
});

describe("applyEdgeConfig without a running HAProxy", () => {
  it("writes a valid configuration for HAProxy to read when it starts", async () => {
    const config = renderEdgeConfig(shop());
    const target = targetIn(dir);
    expect((await applyEdgeConfig(target, config)).outcome).toBe("written");
    expect(await readFile(edgePaths(dir).configPath, "utf8")).toBe(config);
    expect((await applyEdgeConfig(target, config)).outcome).toBe("unchanged");
  });

  it("writes nothing when HAProxy refuses the configuration", async () => {
    const before = await readFile(edgePaths(dir).configPath, "utf8");
    await expect(applyEdgeConfig(targetIn(dir), "global\n    no-such-keyword\n")).rejects.toMatchObject({
      code: "edge-config-invalid",
    });
    expect(await readFile(edgePaths(dir).configPath, "utf8")).toBe(before);
  });
});
