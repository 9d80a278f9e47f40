// sample-repo is the format's showcase: it must load, use every feature, and a
// copy broken in many places must be rejected with each problem listed.

import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readRepoDir } from "../../../src/adapters/system/read-dir.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { formatSpecError, loadSpec } from "../../../src/spec/index.js";
import { brokenSample } from "./broken-sample.js";

const sampleDir = join(resolve(import.meta.dirname, "../../.."), "sample-repo");

async function sampleState(): Promise<DesiredState> {
  const r = loadSpec(await readRepoDir(sampleDir));
  if (!r.ok) throw new Error(r.errors.map(formatSpecError).join("\n"));
  return r.state;
}

describe("sample-repo", () => {
  it("has a sync_windows example (commented out: the demo applies every commit) that loads as written", async () => {
    const files = new Map(await readRepoDir(sampleDir));
    const cluster = files.get("cluster.yaml");
    const text = typeof cluster === "string" ? cluster : new TextDecoder().decode(cluster as Uint8Array);
    const start = text.indexOf("# sync_windows:");
    expect(start).toBeGreaterThan(0);
    files.set("cluster.yaml", text.slice(0, start) + text.slice(start).replace(/^# ?/gm, ""));
    const r = loadSpec(files);
    if (!r.ok) throw new Error(r.errors.map(formatSpecError).join("\n"));
    expect(r.state.cluster.syncWindows).toEqual([
      {
        schedule: "0 17 * * fri",
        timeZone: "Europe/Berlin",
        durationMs: 63 * 3600_000,
        description: "weekend freeze",
      },
    ]);
  });

  it("is valid: one local host, at least four services", async () => {
    const state = await sampleState();
    expect(state.cluster.hosts.map((h) => [h.name, h.docker, h.address])).toEqual([
      ["local", "unix:///var/run/docker.sock", "127.0.0.1"],
    ]);
    expect(state.cluster.edge.image).toBe("gitfleet/haproxy:2.6");
    expect(state.services.length).toBeGreaterThanOrEqual(4);
  });

  it("uses every feature of the format somewhere", async () => {
    const services = (await sampleState()).services;
    const some = (feature: string, test: (s: DesiredState["services"][number]) => boolean): void => {
      expect(services.some(test), feature).toBe(true);
    };
    some("several replicas", (s) => s.deploy.replicas > 1);
    some("global mode", (s) => s.deploy.mode === "global");
    some("a healthcheck", (s) => s.healthcheck !== undefined);
    some("an ingress published port", (s) =>
      s.ports.some((p) => p.mode === "ingress" && p.published !== undefined),
    );
    some("a host-mode published port", (s) =>
      s.ports.some((p) => p.mode === "host" && p.published !== undefined),
    );
    some("an unpublished port", (s) => s.ports.some((p) => p.published === undefined));
    some("app_protocol", (s) => s.ports.some((p) => p.appProtocol !== undefined));
    some("depends_on", (s) => s.dependsOn.length > 0);
    some("limits", (s) => s.deploy.limits.nanoCpus > 0 && s.deploy.limits.memoryBytes > 0);
    some("reservations", (s) => s.deploy.reservations.nanoCpus > 0 && s.deploy.reservations.memoryBytes > 0);
    some("constraints", (s) => s.deploy.placement.constraints.length > 0);
    some("spread preferences", (s) => s.deploy.placement.preferences.length > 0);
    some("max_replicas_per_node", (s) => s.deploy.placement.maxReplicasPerNode > 0);
    some(
      "update_config",
      (s) => s.deploy.updateConfig.parallelism !== 1 || s.deploy.updateConfig.delayMs > 0,
    );
    some("rollback_config", (s) => s.deploy.rollbackConfig.parallelism === 0);
    some(
      "restart_policy",
      (s) => s.deploy.restartPolicy.condition === "on-failure" && s.deploy.restartPolicy.maxAttempts > 0,
    );
    some("environment", (s) => Object.keys(s.environment).length > 0);
    some("env_secrets", (s) => Object.keys(s.envSecrets).length > 0);
    some("labels", (s) => Object.keys(s.labels).length > 0);
    some("named volumes", (s) => s.volumes.some((v) => v.type === "volume" && v.source !== undefined));
    some("tmpfs", (s) => s.volumes.some((v) => v.type === "tmpfs"));
    some("command and entrypoint", (s) => s.command !== undefined && s.entrypoint !== undefined);
    some("hardening", (s) => s.readOnly && s.capDrop.includes("ALL") && s.user !== undefined);
    some("stop_grace_period", (s) => s.stopGracePeriodMs !== 10_000);
  });

  it("only uses images the local build provides", async () => {
    const images = new Set((await sampleState()).services.map((s) => s.image));
    for (const image of images) {
      expect(["gitfleet/web:1", "gitfleet/web:2", "gitfleet/busybox:1.35", "gitfleet/toolbox:1"]).toContain(
        image,
      );
    }
  });

  it("a broken copy is rejected with every problem, each at its place", async () => {
    const broken = await brokenSample(sampleDir);
    const r = loadSpec(broken.files);
    expect(r.ok).toBe(false);
    const got = r.ok ? [] : r.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`);
    expect(got).toEqual(broken.expected);
  });
});
