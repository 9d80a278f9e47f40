// Notifications and commit statuses end to end over HTTP: the real reconcile
// loop (on fake hosts and fake time) feeds the real notifier, which posts to
// a forge stand-in speaking GitHub's and Gitea's commit-status APIs and to a
// generic webhook receiver. A push, a rejected commit and a rolled-back
// rollout each give their statuses exactly once, through a forge that fails
// the first requests.

import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitStatusTarget,
  SIGNATURE_HEADER,
  webhookTarget,
} from "../../../src/adapters/http/notify-targets.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { passReport } from "../../../src/report/metrics-reporter.js";
import { NotificationReporter } from "../../../src/report/notification-reporter.js";
import { Notifier } from "../../../src/report/notifier.js";
import { systemTime } from "../../../src/adapters/system/clock.js";
import type { DesiredState, ServiceSpec } from "../../../src/model/spec.js";
import { ForgeStandIn } from "../../support/forge-stand-in.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { silent } from "../../support/fakes/execute-harness.js";

const HOSTS = ["h1", "h2", "h3"];
const SHA1 = "1".repeat(40);
const BAD = "b".repeat(40);
const SHA2 = "2".repeat(40);
const TOKENS = { github: "gh-token-0123456789", gitea: "gitea-token-0123456789" };
const HOOK_KEY = "hook-key-0123456789abcdef";

function web(version: number): ServiceSpec {
  return service("web", {
    replicas: 3,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    healthcheck: true,
    update: { monitorMs: 2000, order: "start-first", failureAction: "rollback" },
  });
}
const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

let dir: string;
const forge = new ForgeStandIn(TOKENS);

beforeAll(async () => {
  await forge.start();
  dir = await mkdtemp(path.join(tmpdir(), "gitfleet-notify-"));
  await mkdir(path.join(dir, "operator"), { mode: 0o700 });
  const secret = (name: string, value: string) =>
    writeFile(path.join(dir, "operator", name), `${value}\n`, { mode: 0o600 });
  await secret("github-token", TOKENS.github);
  await secret("gitea-token", TOKENS.gitea);
  await secret("hook", HOOK_KEY);
});

afterAll(async () => {
  await forge.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("notifications and commit statuses", () => {
  it("a push, a rejected commit and a rolled-back rollout: pending → success, failure, pending → failure, once each", async () => {
    const secrets = new DirectorySecretStore(dir);
    const common = { repository: "acme/fleet", context: "gitfleet/prod" };
    const notifier = new Notifier({
      targets: [
        commitStatusTarget({ ...common, forge: "github", apiUrl: forge.url, token: "github-token" }, secrets),
        commitStatusTarget({ ...common, forge: "gitea", apiUrl: forge.url, token: "gitea-token" }, secrets),
        webhookTarget({ url: `${forge.url}/hook`, secret: "hook" }, secrets),
      ],
      time: systemTime,
      logger: silent,
      policy: { baseMs: 20, maxMs: 200 },
    });
    const time = new FakeTime();
    const fleet = new FakeFleet(time, HOSTS);
    const source = new FakeSource(time);
    const op = fakeOperator({ time, fleet, source, sink: new FakeSink(time) });
    const reporter = new NotificationReporter(notifier, { gitStaleAfterMs: 300_000 });
    op.onPass((out) => reporter.passed(passReport(out, time.now())));

    forge.failNext = 3; // the first deliveries are retried
    source.set(state(web(1)), SHA1);
    await time.run(op.runOnce());
    await time.run(op.runOnce());
    await notifier.idle();
    expect(forge.states("github", SHA1)).toEqual(["pending", "success"]);
    expect(forge.states("gitea", SHA1)).toEqual(["pending", "success"]);

    source.reject(BAD, [
      { path: "services/web.yaml", line: 3, col: 8, code: "schema", message: "see https://x.example/doc" },
    ]);
    await time.run(op.runOnce());
    await time.run(op.runOnce());
    await notifier.idle();
    expect(forge.states("github", BAD)).toEqual(["failure"]);
    expect(forge.states("gitea", BAD)).toEqual(["failure"]);

    fleet.behaviours.set("web:2", { unhealthyAfterMs: 1500 });
    source.set(state(web(2)), SHA2);
    await time.run(op.runOnce());
    await time.run(op.runOnce());
    await time.run(op.runOnce());
    await notifier.idle();
    expect(forge.states("github", SHA2)).toEqual(["pending", "failure"]);
    expect(forge.states("gitea", SHA2)).toEqual(["pending", "failure"]);
    await notifier.stop();

    // The shapes a forge documents: context, a description without links, the repository.
    for (const s of forge.statuses) {
      expect(s.repo).toBe("acme/fleet");
      expect(s.context).toBe("gitfleet/prod");
      expect(s.description).not.toMatch(/https?:/);
      expect(s.description.length).toBeLessThanOrEqual(140);
    }
    const failure = forge.statuses.find((s) => s.sha === SHA2 && s.state === "failure");
    expect(failure?.description).toBe("test: rollout of web rolled back");
    expect(forge.statuses.find((s) => s.sha === BAD)?.description).toBe(
      "test: commit rejected (invalid): services/web.yaml:3:8: see [link removed]",
    );

    // The webhook: every transition once, each signed with the operator's key.
    const told = forge.hooks.map(
      (h) => JSON.parse(h.body) as { outcome: string; commit?: string; service?: string },
    );
    expect(told.map((t) => `${t.outcome} ${t.commit?.slice(0, 1) ?? ""} ${t.service ?? ""}`.trim())).toEqual([
      "pending 1",
      "applied 1",
      "rejected b",
      "pending 2",
      "rolled-back 2 web",
    ]);
    for (const h of forge.hooks) {
      const sig = h.headers[SIGNATURE_HEADER.toLowerCase()];
      expect(sig).toBe(`sha256=${createHmac("sha256", HOOK_KEY).update(h.body).digest("hex")}`);
      expect(h.headers["x-gitfleet-event"]).toBe((JSON.parse(h.body) as { outcome: string }).outcome);
    }
  });

  it("a refused token is not retried, and nothing holds up the caller", async () => {
    const secrets = new DirectorySecretStore(dir);
    const before = forge.requests;
    const notifier = new Notifier({
      targets: [
        commitStatusTarget(
          {
            forge: "github",
            apiUrl: forge.url,
            repository: "acme/fleet",
            token: "gitea-token",
            context: "x",
          },
          secrets,
        ),
      ],
      time: systemTime,
      logger: silent,
      policy: { baseMs: 20, maxMs: 200 },
    });
    notifier.submit([
      { key: "k", outcome: "pending", cluster: "prod", commit: SHA1, at: 0, message: "applying" },
    ]);
    // submit() only queues: nothing has reached the forge when it returns.
    expect(forge.requests - before).toBe(0);
    await notifier.idle();
    expect(forge.requests - before).toBe(1);
  });
});
