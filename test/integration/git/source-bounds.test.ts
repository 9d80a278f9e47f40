// A commit is untrusted input (issue 12), read from a real Git server the way
// the operator reads it: symbolic links are refused and never followed, a blob
// too large is refused from its header without being inflated, files that are
// not specs are not read at all, and a commit that takes longer to load than
// its budget is refused. Each time the last good commit stays the desired one.

import { symlink, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired, type GitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { manyKeys } from "../../support/spec-inputs.js";
import { threadCpuMs } from "../../support/thread-cpu.js";
import { type Harness, auth, startHarness } from "./harness.js";

const SECRET = "TOP-SECRET-4711";

describe("Desired from Git (GitCommitSource + DesiredLoader): bounded reading of a commit", () => {
  let h: Harness;
  let source: GitDesired | undefined;
  afterEach(async () => {
    await source?.close();
    await h?.close();
  });

  async function start(options: { loadTimeoutMs?: number } = {}): Promise<string> {
    h = await startHarness(validRepo());
    source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir, ...options });
    const good = await source.poll();
    expect(good.desired).toBeDefined();
    return good.desired?.commit ?? "";
  }

  it("refuses symbolic links to a file, to cluster.yaml and to a directory, and never reads their targets", async () => {
    const good = await start();
    await writeFile(path.join(h.dir, "shadow.yaml"), `kind: Service\nname: leak\nimage: "${SECRET}"\n`);
    await symlink(path.join(h.dir, "shadow.yaml"), path.join(h.work.dir, "services/leak.yaml"));
    await symlink("../..", path.join(h.work.dir, "services/up"));
    const bad = await h.work.commit("links");
    await h.work.push();

    const snap = await source!.poll();

    expect(snap.desired?.commit).toBe(good);
    expect(snap.rejected?.commit).toBe(bad);
    expect(snap.rejected?.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/leak.yaml:1:1 symlink",
      "services/up:1:1 symlink",
    ]);
    expect(JSON.stringify(snap)).not.toContain(SECRET);
  });

  it("refuses a 200 MiB blob from its size alone, without inflating it", async () => {
    // Read in place (repository: {path}): this measures the reader alone. A fetch over HTTP
    // still inflates every fetched object once, inside isomorphic-git, to index the pack.
    h = await startHarness(validRepo());
    source = await openGitDesired({ repository: { path: h.bare } });
    const good = (await source.poll()).desired?.commit;
    expect(good).toBeDefined();
    const big = path.join(h.work.dir, "services/big.yaml");
    await writeFile(big, "");
    await truncate(big, 200 * 1024 * 1024); // zeros: a small object file, a huge blob
    const bad = await h.work.commit("a huge file");
    await h.work.push();

    const before = process.memoryUsage().rss;
    const snap = await source!.poll();
    const grew = process.memoryUsage().rss - before;

    expect(snap.desired?.commit).toBe(good);
    expect(snap.rejected?.commit).toBe(bad);
    expect(snap.rejected?.errors).toEqual([
      expect.objectContaining({ path: "services/big.yaml", line: 1, col: 1, code: "file-too-large" }),
    ]);
    expect(snap.rejected?.errors[0]?.message).toContain("file is 200 MiB");
    // Inflating it would have taken at least its 200 MiB.
    expect(grew).toBeLessThan(100 * 1024 * 1024);
    expect(source!.lastReadStats?.blobsRead).toBe(0);
  });

  it("reads no file outside cluster.yaml, services/**/*.y(a)ml and stacks/", async () => {
    await start();
    const changed = await h.work.commitAndPush(
      {
        "services/web.yaml": serviceYaml("web", { replicas: 5 }),
        "services/notes.txt": "not a spec",
        "docs/big.yaml": "x: 1\n".repeat(10_000),
      },
      "web to 5, notes",
    );
    const snap = await source!.poll();
    expect(snap.desired?.commit).toBe(changed);
    expect(source!.lastReadStats?.blobsRead).toBe(1);
    expect(snap.desired?.files.has("services/notes.txt")).toBe(false);
  });

  it("reads a stack's Compose file and its folder, and refuses a link there without following it", async () => {
    await start();
    const compose = "services:\n  web:\n    image: shop/web:1\n";
    const added = await h.work.commitAndPush(
      { "stacks/shop/compose.yaml": compose, "stacks/shop/nginx.conf": "server {}\n" },
      "a stack",
    );
    const snap = await source!.poll();
    expect(snap.desired?.commit).toBe(added);
    expect(snap.desired?.state.services.map((s) => s.name)).toContain("shop_web");
    expect(snap.desired?.files.get("stacks/shop/nginx.conf")).toBe("server {}\n");

    await writeFile(path.join(h.dir, "shadow.yaml"), `services:\n  leak:\n    image: "${SECRET}"\n`);
    await symlink(path.join(h.dir, "shadow.yaml"), path.join(h.work.dir, "stacks/leak"));
    await symlink(path.join(h.dir, "shadow.yaml"), path.join(h.work.dir, "stacks/shop/docker-compose.yml"));
    const bad = await h.work.commit("links in stacks");
    await h.work.push();
    const refused = await source!.poll();
    expect(refused.desired?.commit).toBe(added);
    expect(refused.rejected?.commit).toBe(bad);
    expect(refused.rejected?.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "stacks/leak:1:1 symlink",
      "stacks/shop/docker-compose.yml:1:1 symlink",
    ]);
    expect(JSON.stringify(refused)).not.toContain(SECRET);
  });

  it("refuses a commit that takes longer to load than its budget, in a worker the event loop never waits on", async () => {
    // 5 s: the first, small commit loads well within it (worker start included); twenty files of
    // 80,000 keys take 20 s or more to parse.
    const good = await start({ loadTimeoutMs: 5_000 });
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`services/big-${i}.yaml`] = manyKeys(80_000, `big-${i}`).text;
    const bad = await h.work.commitAndPush(files, "twenty files of 80,000 keys");

    // The event loop keeps turning while the worker parses: measure the longest stall, as the
    // CPU time this thread spent between two turns (the parse, were it here, is 20 s of it).
    let last = performance.now();
    let worst = 0;
    let lastCpu = threadCpuMs();
    let worstCpu = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const cpu = threadCpuMs();
      worst = Math.max(worst, now - last);
      worstCpu = Math.max(worstCpu, cpu - lastCpu);
      last = now;
      lastCpu = cpu;
    }, 20);
    const snap = await source!.poll();
    clearInterval(timer);

    expect(snap.desired?.commit).toBe(good);
    expect(snap.rejected?.commit).toBe(bad);
    expect(snap.rejected?.errors).toEqual([
      expect.objectContaining({ code: "load-timeout", path: "", line: 0 }),
    ]);
    expect(snap.rejected?.errors[0]?.message).toContain("took longer than 5 s");
    console.info(`source-bounds: longest stall ${Math.round(worst)} ms, ${worstCpu} ms of this thread's CPU`);
    expect(worstCpu).toBeLessThan(1_000);

    // The loader is replaced: the next commit loads normally.
    const fix = await h.work.commitAndPush(
      Object.fromEntries(Object.keys(files).map((f) => [f, null])),
      "remove the big files",
    );
    expect((await source!.poll()).desired?.commit).toBe(fix);
  });
});
