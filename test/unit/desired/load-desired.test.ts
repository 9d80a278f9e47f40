// The "load desired" stage on its own: the files a commit source hands over
// are judged by the real spec loader; the last good state stays, a rejected
// commit is reported with its positions, and only what is accepted is told
// back to the source.

import { describe, expect, it } from "vitest";
import { DesiredLoader } from "../../../src/desired/load-desired.js";
import type { CommitFiles, CommitPoll, CommitSource, CommitToJudge } from "../../../src/ports/index.js";
import { loadSpec } from "../../../src/spec/index.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

function commit(id: string, files: Record<string, string>): CommitFiles {
  return {
    info: { commit: id, author: "dev", message: id, timestamp: 0 },
    files: new Map(Object.entries(files)),
    blobIds: new Map(),
    key: JSON.stringify(files),
  };
}

class ScriptedCommits implements CommitSource {
  readonly polls: CommitPoll[] = [];
  readonly told: Array<[string, string]> = [];
  async poll(): Promise<CommitPoll> {
    return this.polls.shift() ?? { rewritten: false, changed: false, judge: [] };
  }
  async accepted(c: string, role: string): Promise<void> {
    this.told.push([c, role]);
  }
  async files(): Promise<CommitFiles | undefined> {
    return undefined;
  }
}

const judged = (...judge: CommitToJudge[]): CommitPoll => ({ rewritten: false, changed: true, judge });

describe("DesiredLoader", () => {
  it("applies a valid commit, keeps it when the next is invalid, and reports the error's position", async () => {
    const commits = new ScriptedCommits();
    const loads: number[] = [];
    const loader = new DesiredLoader(
      commits,
      (files) => {
        loads.push(files.size);
        return loadSpec(files);
      },
      silent,
    );
    const good = validRepo();
    commits.polls.push(judged({ kind: "files", role: "new", commit: commit("c1", good) }));
    const first = await loader.poll();
    expect(first.desired?.commit).toBe("c1");
    expect(first.desired?.state.services.map((s) => s.name)).toContain("web");

    const bad = { ...good, "services/web.yaml": serviceYaml("web", { replicas: 2 }) + "  bogus: 1\n" };
    commits.polls.push(judged({ kind: "files", role: "new", commit: commit("c2", bad) }));
    const second = await loader.poll();
    expect(second.desired?.commit).toBe("c1");
    expect(second.rejected?.commit).toBe("c2");
    expect(second.rejected?.reason).toBe("invalid");
    expect(second.rejected?.errors[0]?.path).toBe("services/web.yaml");
    expect(second.rejected?.errors[0]?.line).toBeGreaterThan(0);
    expect(commits.told).toEqual([["c1", "new"]]);

    // The same spec content again (another commit, same files): the loader's answer is reused.
    commits.polls.push(judged({ kind: "files", role: "new", commit: { ...commit("c3", bad) } }));
    await loader.poll();
    expect(loads).toHaveLength(2);
  });

  it("says the state is from the cache while resumed during an outage, until Git answers", async () => {
    const commits = new ScriptedCommits();
    const loader = new DesiredLoader(commits, (files) => loadSpec(files), silent);
    const outage = { since: 1, error: "git-unreachable: down", attempts: 1 };
    commits.polls.push({
      rewritten: false,
      changed: false,
      outage,
      judge: [{ kind: "files", role: "resume", commit: commit("c1", validRepo()) }],
    });
    const resumed = await loader.poll();
    expect(resumed.fromCache).toBe(true);
    expect(resumed.outage).toEqual(outage);
    expect(commits.told).toEqual([["c1", "resume"]]);
    const back = await loader.poll();
    expect(back.fromCache).toBeUndefined();
    expect(back.desired?.commit).toBe("c1");
  });

  it("rejects a commit the loader throws on, naming the loader", async () => {
    const commits = new ScriptedCommits();
    const loader = new DesiredLoader(
      commits,
      () => {
        throw new Error("bug");
      },
      silent,
    );
    commits.polls.push(judged({ kind: "files", role: "new", commit: commit("c1", validRepo()) }));
    const snap = await loader.poll();
    expect(snap.desired).toBeUndefined();
    expect(snap.rejected?.errors.map((e) => e.code)).toEqual(["loader-error"]);
  });
});
