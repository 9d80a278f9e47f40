// The shipped alert rules and dashboard: Prometheus' promtool checks the rules
// and runs their unit tests (each alert fired by the series that should fire
// it), and every metric they query is one gitfleet really exports.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
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

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
  fieldConfig?: { defaults: { mappings: Array<{ options: Record<string, { text: string }> }> } };
}

describe("deploy/grafana/gitfleet-dashboard.json", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[] };

  it("queries only metrics gitfleet exports, in every panel", async () => {
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

describe("the dashboard's Suspend switch panel", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[] };
  const panel = dashboard.panels.find((p) => p.title === "Suspend switch");

  it("reads both suspend gauges, which gitfleet exports", async () => {
    const names = panel?.targets.flatMap((t) => metricNames(t.expr)) ?? [];
    expect(new Set(names)).toEqual(new Set(["gitfleet_suspended", "gitfleet_suspend_switch_up"]));
    const have = await exported();
    expect(names.filter((n) => !have.has(n))).toEqual([]);
  });

  it("shows Suspended, Not suspended, or Unknown (switch unreadable, or no reading) under Prometheus' engine", async () => {
    const expr = (panel?.targets[0]?.expr ?? "").replaceAll("$instance", ".*");
    const mappings = panel?.fieldConfig?.defaults.mappings[0]?.options ?? {};
    /** The value the panel maps to this text (NaN, which never matches, when none does). */
    const valueOf = (shows: string) =>
      Number(Object.entries(mappings).find(([, o]) => o.text === shows)?.[0]);
    const cases: Array<[minute: number, shows: string]> = [
      [0, "Suspended"],
      [1, "Not suspended"],
      [2, "Unknown"], // switch_up 0: gitfleet_suspended has no sample (its last 0 still in the lookback)
      [3, "Unknown"], // no instance acting: no suspend series at all (a standby's is_leader 0 only)
    ];
    const dir = mkdtempSync(join(tmpdir(), "gitfleet-dash-"));
    try {
      const file = join(dir, "panel.test.yaml");
      writeFileSync(
        file,
        stringify({
          rule_files: [],
          tests: [
            {
              interval: "1m",
              input_series: [
                { series: 'gitfleet_suspended{instance="a"}', values: "1 0 _ _" },
                { series: 'gitfleet_suspend_switch_up{instance="a"}', values: "1 1 0 stale" },
                { series: 'gitfleet_is_leader{instance="b"}', values: "0 0 0 0" },
              ],
              promql_expr_test: cases.map(([minute, shows]) => ({
                expr,
                eval_time: `${minute}m`,
                exp_samples: [{ labels: "{}", value: valueOf(shows) }],
              })),
            },
          ],
        }),
      );
      const r = await promtool("test", "rules", file);
      expect(r.out).toContain("SUCCESS");
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
