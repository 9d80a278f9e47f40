// The status commit's message: what changed between the files last committed
// and the files about to be, e.g. "status: web: 2/3 → 3/3 healthy; h2 down".

import { parse } from "yaml";
import { CLUSTER_FILE } from "./yaml-files.js";

const SUBJECT_MAX = 100;

interface ClusterView {
  sync?: string;
  applied?: string;
  rejected?: { commit: string; errors: number };
  gitDown: boolean;
  hosts: Map<string, string>;
  services: Map<string, { state: string; desired: number; healthy: number }>;
}

/**
 * The views of the cluster files last described, by text: a status commit's files are the
 * next one's "before", so each file is parsed once, not twice (at 300 hosts a parse of the
 * cluster file is about 90 ms, the largest part of an idle operator's status commit).
 */
export class ClusterViews {
  private kept: { readonly text: string; readonly view: ClusterView }[] = [];

  /**
   * `docOf`, when it knows a file's text, gives the document it was written from (see
   * YamlMemo.docOf): reading the cluster file's YAML (a line per host) cost more than writing it.
   */
  constructor(private readonly docOf?: DocOf) {}

  view(text: string | undefined): ClusterView {
    if (text === undefined) return view({});
    const hit = this.kept.find((k) => k.text === text);
    if (hit !== undefined) return hit.view;
    const v = view(this.docOf?.(CLUSTER_FILE, text) ?? safeParse(text));
    this.kept = [{ text, view: v }, ...this.kept.slice(0, 1)];
    return v;
  }
}

export function describeChange(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  views: ClusterViews = new ClusterViews(),
): string {
  const parts = changes(before, after, views);
  const lines = parts.length > 0 ? parts : [sameFiles(before, after) ? "no change" : "details updated"];
  let subjectLine = `status: ${lines.join("; ")}`;
  if (subjectLine.length > SUBJECT_MAX) {
    let kept = "status:";
    for (const p of lines) {
      if (`${kept} ${p}; …`.length > SUBJECT_MAX) break;
      kept = `${kept} ${p};`;
    }
    subjectLine = `${kept} …`;
  }
  return lines.length > 1 ? `${subjectLine}\n\n${lines.map((l) => `- ${l}`).join("\n")}\n` : subjectLine;
}

export function changes(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  views: ClusterViews = new ClusterViews(),
): string[] {
  const a = views.view(after.get(CLUSTER_FILE));
  const beforeText = before.get(CLUSTER_FILE);
  if (beforeText === undefined) {
    const services = [...a.services].map(([n, s]) => `${n} ${s.healthy}/${s.desired}`);
    return [
      `first report: ${a.sync ?? "unknown"}${services.length ? ` (${services.join(", ")} healthy)` : ""}`,
    ];
  }
  const b = views.view(beforeText);
  const out: string[] = [];
  if (a.sync !== b.sync) out.push(`${b.sync ?? "?"} → ${a.sync ?? "?"}`);
  if (a.applied !== b.applied && a.applied !== undefined) out.push(`applied ${a.applied.slice(0, 7)}`);
  if (a.rejected && a.rejected.commit !== b.rejected?.commit) {
    out.push(
      `rejected ${a.rejected.commit.slice(0, 7)} (${a.rejected.errors} error${a.rejected.errors === 1 ? "" : "s"})`,
    );
  } else if (!a.rejected && b.rejected) out.push("rejection cleared");
  if (a.gitDown && !b.gitDown) out.push("git unreachable");
  if (!a.gitDown && b.gitDown) out.push("git reachable again");
  for (const [name, state] of a.hosts) {
    const was = b.hosts.get(name);
    if (was === undefined) out.push(`${name} added (${state})`);
    else if (was !== state) out.push(`${name} ${state}`);
  }
  for (const name of b.hosts.keys()) if (!a.hosts.has(name)) out.push(`${name} removed`);
  for (const [name, s] of a.services) {
    const was = b.services.get(name);
    if (was === undefined) {
      out.push(`${name} added (${s.healthy}/${s.desired} healthy)`);
      continue;
    }
    const counts =
      was.healthy !== s.healthy || was.desired !== s.desired
        ? `${was.healthy}/${was.desired} → ${s.healthy}/${s.desired} healthy`
        : "";
    const state = was.state !== s.state ? s.state : "";
    if (counts || state) out.push(`${name}: ${[counts, state].filter(Boolean).join(", ")}`);
  }
  for (const name of b.services.keys()) if (!a.services.has(name)) out.push(`${name} removed`);
  return out;
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** The document a status file's text was written from, when known. */
export type DocOf = (path: string, text: string) => unknown;

function view(parsed: unknown): ClusterView {
  const doc = obj(parsed);
  const hosts = new Map(
    Object.entries(obj(doc["hosts"])).map(([n, h]) => [n, String(obj(h)["state"] ?? "?")]),
  );
  const services = new Map(
    Object.entries(obj(doc["services"])).map(([n, v]) => {
      const s = obj(v);
      return [
        n,
        { state: String(s["state"] ?? "?"), desired: num(s["desired"]), healthy: num(s["healthy"]) },
      ];
    }),
  );
  const rejected = obj(doc["rejected_commit"]);
  return {
    ...(typeof doc["sync"] === "string" ? { sync: doc["sync"] } : {}),
    ...(typeof doc["applied_commit"] === "string" ? { applied: doc["applied_commit"] } : {}),
    ...(typeof rejected["commit"] === "string"
      ? {
          rejected: {
            commit: rejected["commit"],
            errors: Array.isArray(rejected["errors"]) ? rejected["errors"].length : 0,
          },
        }
      : {}),
    gitDown: obj(doc["git"])["reachable"] === false,
    hosts,
    services,
  };
}

function safeParse(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return {}; // a hand-edited or foreign file: describe against nothing
  }
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
