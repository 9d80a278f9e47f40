// The shipped alert rules and dashboard: Prometheus' promtool checks the rules
// and runs their unit tests (each alert fired by the series that should fire
// it), and every metric they query is one gitfleet really exports.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GitfleetMetrics } from "../../../src/adapters/http/metrics-registry.js";

const DIR = fileURLToPath(new URL("../../../deploy/", import.meta.url));
const RULES = `${DIR}prometheus/gitfleet-alerts.yaml`;
const RULE_TESTS = `${DIR}prometheus/gitfleet-alerts.test.yaml`;
const DASHBOARD = `${DIR}grafana/gitfleet-dashboard.json`;

function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile("promtool", args, { cwd: `${DIR}prometheus` }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), out: stdout + stderr }),
    );
  });
}

interface Rules {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rules = parse(readFileSync(RULES, "utf8")) as Rules;
const alerts = rules.groups.flatMap((g) => g.rules);

/** The metric names an expression reads (histogram series named by their family). */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(?:gitfleet|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ""));
}

async function exported(): Promise<Set<string>> {
  const text = await new GitfleetMetrics().registry.metrics();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ""));
}

describe("deploy/prometheus/gitfleet-alerts.yaml", () => {
  it("passes promtool check rules", async () => {
    const r = await promtool("check", "rules", RULES);
    expect(r.out).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(r.code).toBe(0);
  });

  it("passes its unit tests under promtool test rules", async () => {
    const r = await promtool("test", "rules", RULE_TESTS);
    expect(r.out).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it("has a unit test that fires each alert", () => {
    const tests = parse(readFileSync(RULE_TESTS, "utf8")) as RuleTests;
    const fired = new Set(
      tests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect([...fired].sort()).toEqual(alerts.map((a) => a.alert).sort());
  });

  it("queries only metrics gitfleet exports", async () => {
    const have = await exported();
    const used = alerts.flatMap((a) => metricNames(a.expr));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !have.has(n))).toEqual([]);
  });
});

describe("deploy/grafana/gitfleet-dashboard.json", () => {
  it("queries only metrics gitfleet exports, in every panel", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const have = await exported();
    for (const p of dashboard.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        expect(
          names.filter((n) => !have.has(n)),
          p.title,
        ).toEqual([]);
      }
    }
  });
});
