// gitfleet rollback against a real git http-backend: a revert commit pushed to
// the watched branch (never forced), for a service's last change or a whole
// commit; --dry-run shows the diff and pushes nothing; a conflict pushes nothing.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitfleet } from "../../support/cli.js";
import { gitCli, serviceYaml } from "../../support/git-fixtures.js";
import { auth, startHarness, type Harness } from "../git/harness.js";

const CLUSTER =
  "kind: Cluster\nname: rb\nhosts:\n  - {name: h1, docker: 'tcp://127.0.0.1:1', address: 127.0.0.1}\n";
let h: Harness;
let webChange = "";
let apiChange = "";
const env = { GITFLEET_GIT_USERNAME: auth.username, GITFLEET_GIT_PASSWORD: auth.password };
const run = (...args: string[]) =>
  gitfleet(["rollback", ...args, "--repository", h.url], { env, timeoutMs: 60_000 });
const onServer = (spec: string) => gitCli(h.bare, ["show", spec]);

beforeAll(async () => {
  h = await startHarness({
    "cluster.yaml": CLUSTER,
    "services/web.yaml": serviceYaml("web", { replicas: 2 }),
    "services/api.yaml": serviceYaml("api"),
  });
  webChange = await h.work.commitAndPush(
    { "services/web.yaml": serviceYaml("web", { replicas: 2, image: "registry.example.com/web:2.0.0" }) },
    "web 2.0.0",
  );
  apiChange = await h.work.commitAndPush(
    { "services/api.yaml": serviceYaml("api", { replicas: 3 }) },
    "api: 3 replicas",
  );
});

afterAll(async () => h?.close());

describe("gitfleet rollback", () => {
  it("--dry-run shows the revert of the service's last change as a diff and pushes nothing", async () => {
    const tip = await onServer("main");
    const r = await run("web", "--dry-run");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Roll back web: revert "web 2.0.0"');
    expect(r.stdout).toContain("--- a/services/web.yaml\n+++ b/services/web.yaml\n");
    expect(r.stdout).toContain(
      "-image: registry.example.com/web:2.0.0\n+image: registry.example.com/web:1.0.0\n",
    );
    expect(await onServer("main")).toBe(tip);
  });

  it("pushes a revert of the service's file only, on top of later commits", async () => {
    const r = await run("web", "--json");
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      pushed: true,
      reverts: { commit: webChange },
      files: [{ path: "services/web.yaml", change: "modified" }],
    });
    expect(await onServer(`main:services/web.yaml`)).toContain("web:1.0.0");
    expect(await onServer(`main:services/api.yaml`)).toContain("replicas: 3"); // the later commit stays
    expect((await gitCli(h.bare, ["log", "-1", "--format=%P %s", "main"])).trim()).toBe(
      `${apiChange} Roll back web: revert "web 2.0.0"`,
    );
  });

  it("reverts a whole commit by id; a file changed again since is a conflict and nothing is pushed", async () => {
    const r = await run(apiChange.slice(0, 10));
    expect(r.code, r.stderr).toBe(0);
    expect(await onServer(`main:services/api.yaml`)).toContain("replicas: 1");
    expect(await gitCli(h.bare, ["log", "-1", "--format=%B", "main"])).toContain(
      `This reverts commit ${apiChange}.`,
    );
    const tip = await onServer("main");
    const c = await run(webChange); // web.yaml was changed again by the rollback above
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("were changed again since");
    expect(await onServer("main")).toBe(tip);
  });

  it("exits 1 for an unknown service, 4 for a repository it cannot read, 2 on bad usage", async () => {
    expect((await run("nosuch")).code).toBe(1);
    expect((await gitfleet(["rollback", "web", "--repository", `${h.url}-missing`], { env })).code).toBe(4);
    expect((await gitfleet(["rollback"], { env })).code).toBe(2);
  });
});
