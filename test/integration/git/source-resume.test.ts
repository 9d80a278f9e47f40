// A restarted operator during a Git outage: a new desired source over the same
// cache directory resumes the last commit the previous one accepted (checked
// again), says it came from the cache, and lets go of that once Git answers.

import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

describe("Desired from Git (GitCommitSource + DesiredLoader) resumes from its cache when Git is unreachable at start", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("resumes the last accepted commit, not a later rejected tip, and is fresh again once Git answers", async () => {
    h = await startHarness(validRepo());
    const first = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const good = await first.poll();
    expect(good.desired).toBeDefined();
    // A later tip that fails the rules: fetched into the cache, but never the desired state.
    await h.work.commitAndPush({ "services/web.yaml": "kind: Service\nname: web\n" }, "broken");
    const rejected = await first.poll();
    expect(rejected.rejected).toBeDefined();

    await h.server.stop();
    const restarted = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const resumed = await restarted.poll();
    expect(resumed.outage?.error).toMatch(/^git-unreachable/);
    expect(resumed.fromCache).toBe(true);
    expect(resumed.desired?.commit).toBe(good.desired?.commit);
    expect(resumed.desired?.state.services.map((s) => s.name)).toEqual(
      good.desired?.state.services.map((s) => s.name),
    );
    expect((await restarted.poll()).desired?.commit).toBe(good.desired?.commit);

    await h.server.resume();
    const next = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 6 }) },
      "web to 6",
    );
    const back = await restarted.poll();
    expect(back.outage).toBeUndefined();
    expect(back.fromCache).toBeUndefined();
    expect(back.desired?.commit).toBe(next);
  });

  it("has nothing to resume from an empty cache: no desired state, only the outage", async () => {
    h = await startHarness(validRepo());
    await h.server.stop();
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const snap = await source.poll();
    expect(snap.desired).toBeUndefined();
    expect(snap.fromCache).toBeUndefined();
    expect(snap.outage).toBeDefined();
  });
});
