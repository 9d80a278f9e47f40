// Guarded deletions: a commit may not empty the fleet, or remove more than a
// share of what runs, unless the commit or cluster.yaml says it means it.

import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../../src/model/spec.js";
import { deletionGuard } from "../../../src/plan/deletion-guard.js";
import { desiredState, host, replica, service } from "../../support/fixtures.js";

const HOSTS = [host("h1"), host("h2")];
const running = [
  replica("api", "1", "h1"),
  replica("api", "2", "h2"),
  replica("web", "1", "h1"),
  replica("web", "2", "h2"),
  replica("db", "1", "h1"),
  replica("old", "1", "h1", { state: "exited" }),
];

function withSettings(d: DesiredState, settings: Partial<DesiredState["cluster"]["settings"]>): DesiredState {
  return { ...d, cluster: { ...d.cluster, settings: { ...d.cluster.settings, ...settings } } };
}

describe("deletionGuard", () => {
  it("holds a commit that removes every running service, naming them", () => {
    const v = deletionGuard({ desired: desiredState(HOSTS, []), running });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.removed).toEqual(["api", "db", "web"]);
    expect(v.message).toContain("would remove every running service (3: api, db, web)");
    expect(v.message).toContain("Gitfleet-Allow-Mass-Removal: true");
    expect(v.message).toContain("settings.allow_mass_removal: true");
  });

  it("holds a commit that removes more than half of the running services", () => {
    const v = deletionGuard({ desired: desiredState(HOSTS, [service("db")]), running });
    expect(v).toMatchObject({ ok: false, removed: ["api", "web"] });
  });

  it("holds a commit that removes more than half of the running replicas, though few services", () => {
    const busy = [
      replica("api", "1", "h1"),
      replica("api", "2", "h2"),
      replica("api", "3", "h1"),
      replica("web", "1", "h2"),
      replica("db", "1", "h1"),
    ];
    // 1 of 3 services (within the share), but 3 of 5 replicas.
    const v = deletionGuard({ desired: desiredState(HOSTS, [service("db"), service("web")]), running: busy });
    expect(v).toMatchObject({ ok: false, removed: ["api"] });
    if (!v.ok) expect(v.message).toContain("1 of 3 running services (api) and 3 of 5 running replicas");
    const lax = withSettings(desiredState(HOSTS, [service("db"), service("web")]), { maxRemovalShare: 0.6 });
    expect(deletionGuard({ desired: lax, running: busy }).ok).toBe(true);
  });

  it("lets through a removal within the share (exited replicas do not count)", () => {
    expect(
      deletionGuard({ desired: desiredState(HOSTS, [service("api"), service("web")]), running }),
    ).toEqual({
      ok: true,
    });
  });

  it("lets everything through with settings.allow_mass_removal or the commit trailer", () => {
    const empty = desiredState(HOSTS, []);
    expect(deletionGuard({ desired: withSettings(empty, { allowMassRemoval: true }), running }).ok).toBe(
      true,
    );
    const message = "Remove the shop\n\nGitfleet-Allow-Mass-Removal: true\n";
    expect(deletionGuard({ desired: empty, running, commitMessage: message }).ok).toBe(true);
    expect(
      deletionGuard({ desired: empty, running, commitMessage: "Gitfleet-Allow-Mass-Removal: no" }).ok,
    ).toBe(false);
  });

  it("has nothing to guard when nothing runs", () => {
    expect(deletionGuard({ desired: desiredState(HOSTS, []), running: [] }).ok).toBe(true);
  });
});
