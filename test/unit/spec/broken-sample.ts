// A broken copy of sample-repo: one change per rule, each with where the
// loader must point. Shared by the spec test and the CLI test, and built from
// the live sample so the two never drift apart.

import { readRepoDir } from "../../../src/adapters/system/read-dir.js";
import type { RepoFile } from "../../../src/model/spec.js";

export interface Expected {
  readonly path: string;
  readonly code: string;
  /** A unique text on the reported line; the column is where `at` (default: marker) starts. */
  readonly marker?: string;
  readonly at?: string;
}

export interface BrokenRepo {
  readonly files: Map<string, string | Uint8Array>;
  /** "path:line:col code", sorted as the loader sorts. */
  readonly expected: string[];
}

export async function brokenSample(sampleDir: string): Promise<BrokenRepo> {
  const files = new Map<string, string | Uint8Array>();
  for (const [path, content] of await readRepoDir(sampleDir)) files.set(path, wholeFile(content));
  const edit = (path: string, from: string, to: string): void => {
    const text = textOf(files.get(path));
    if (text.split(from).length !== 2) throw new Error(`${path}: "${from}" must occur exactly once`);
    files.set(path, new TextEncoder().encode(text.replace(from, to)));
  };
  edit("cluster.yaml", "host_down_after: 3s", "host_down_after: 3 seconds");
  edit("services/web.yaml", "depends_on: [api]", "depends_on: [api, dbb]");
  edit("services/api.yaml", "read_only: true", "read_only: true\nprivileged: true");
  edit("services/cache.yaml", "node.labels.disk == ssd", "node.labels.disk == hdd");
  edit("services/cache.yaml", "labels:\n  team: backend", "labels:\n  team: backend\ndepends_on: [worker]");
  edit("services/worker.yaml", "stop_grace_period: 2s", 'stop_grace_period: 2s\nports: ["6379:80"]');
  edit("services/worker.yaml", "limits: {cpus: 0.25, memory: 32M}", "limits: {cpus: 0.25, memory: 8G}");
  edit(
    "services/worker.yaml",
    'reservations: {cpus: "0.05", memory: 16M}',
    'reservations: {cpus: "0.05", memory: 4G}',
  );
  edit("services/worker.yaml", "volumes:\n", 'labels: {gitfleet.slot: "1"}\nvolumes:\n');
  edit(
    "services/worker.yaml",
    "  - worker-scratch:/scratch\n",
    "  - worker-scratch:/scratch\n  - /var/run/docker.sock:/var/run/docker.sock\n",
  );
  files.set("services/extra.yaml", "kind: Deployment\nname: extra\n");
  files.set(
    "services/logo.yaml",
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]),
  );
  files.set("services/zz-copy.yaml", "kind: Service\nname: web\nimage: busybox\ndeploy: {replica: 2}\n");

  const expected: Expected[] = [
    { path: "cluster.yaml", code: "bad-duration", marker: "3 seconds" },
    { path: "services/api.yaml", code: "depends-on-cycle", marker: "  cache:", at: "cache" },
    { path: "services/api.yaml", code: "ceiling-privileged", marker: "privileged: true", at: "true" },
    { path: "services/cache.yaml", code: "unsatisfiable-constraint", marker: "node.labels.disk == hdd" },
    { path: "services/extra.yaml", code: "unknown-kind", marker: "Deployment" },
    { path: "services/logo.yaml", code: "binary-file" },
    { path: "services/web.yaml", code: "depends-on-unknown", marker: "dbb" },
    { path: "services/worker.yaml", code: "port-conflict", marker: '"6379:80"' },
    { path: "services/worker.yaml", code: "reservation-too-large", marker: "memory: 4G", at: "4G" },
    { path: "services/worker.yaml", code: "reserved-label", marker: "gitfleet.slot" },
    { path: "services/worker.yaml", code: "policy-docker-socket", marker: "/var/run/docker.sock:" },
    { path: "services/zz-copy.yaml", code: "duplicate-service", marker: "name: web", at: "web" },
    { path: "services/zz-copy.yaml", code: "unknown-key", marker: "replica: 2", at: "replica" },
  ];
  return { files, expected: expected.map((e) => place(files, e)).sort(byPosition) };
}

function place(files: ReadonlyMap<string, string | Uint8Array>, e: Expected): string {
  if (e.marker === undefined) return `${e.path}:1:1 ${e.code}`;
  const text = textOf(files.get(e.path));
  const lines = text.split("\n");
  const index = lines.findIndex((l) => l.includes(e.marker as string));
  if (index < 0 || lines.filter((l) => l.includes(e.marker as string)).length !== 1) {
    throw new Error(`${e.path}: marker "${e.marker}" must be on exactly one line`);
  }
  const col = (lines[index] as string).indexOf(e.at ?? e.marker) + 1;
  return `${e.path}:${index + 1}:${col} ${e.code}`;
}

function byPosition(a: string, b: string): number {
  const [pa, la, ca] = a.split(" ")[0]?.split(":") ?? [];
  const [pb, lb, cb] = b.split(" ")[0]?.split(":") ?? [];
  return (pa ?? "") < (pb ?? "")
    ? -1
    : (pa ?? "") > (pb ?? "")
      ? 1
      : Number(la) - Number(lb) || Number(ca) - Number(cb);
}

function wholeFile(content: RepoFile): string | Uint8Array {
  if (typeof content === "string" || content instanceof Uint8Array) return content;
  throw new Error("the sample repository must be read whole");
}

function textOf(content: string | Uint8Array | undefined): string {
  return typeof content === "string" ? content : new TextDecoder().decode(content);
}
