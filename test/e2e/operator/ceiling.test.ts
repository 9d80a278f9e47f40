// The operator configuration is the root of trust (issue 12), on the test bed
// with a real Git server: commits that ask for more than the operator's
// ceiling (privileges granted by cluster.yaml itself, cap_add SYS_ADMIN, an
// engine the operator did not list, a renamed cluster, env_secrets naming a
// host's TLS key) are rejected through `validate`, `plan` and the running
// operator alike: at the line that asks, naming the operator setting, nothing
// changed on any host, the previous commit still running, status naming the
// reason. With the operator configuration allowing it, the privileged commit
// is accepted. No secret value appears in any output.

import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dockerFor, hostNamed, resetTestbed } from "../../support/testbed.js";
import {
  BED_POLL,
  CLUSTER,
  clusterYaml,
  defaultCeiling,
  managed,
  type Managed,
  OperatorWorld,
  serving,
} from "./support.js";
import { pollUntil } from "../../support/poll.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const APP_SECRET = `app-${randomBytes(12).toString("hex")}`;
const TLS_KEY = `-----BEGIN PRIVATE KEY-----\n${randomBytes(24).toString("base64")}\n-----END PRIVATE KEY-----`;
const ROTATED = `rotated-${randomBytes(12).toString("hex")}`;
const SECRETS = [APP_SECRET, ROTATED, TLS_KEY.split("\n")[1] ?? TLS_KEY];
const PINNED = [...defaultCeiling(), `cluster: ${CLUSTER}`];

let world: OperatorWorld;
const cliOutput: string[] = [];

function calmYaml(...extra: string[]): string {
  return [
    "kind: Service",
    "name: calm",
    "image: gitfleet/busybox:1.35",
    `command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /tmp & wait"]`,
    "env_secrets: {API_TOKEN: api-token}",
    "deploy: {replicas: 2, restart_policy: {delay: 1s}}",
    ...extra,
    "",
  ].join("\n");
}

const GOOD = { "cluster.yaml": clusterYaml(), "services/calm.yaml": calmYaml() };

/** "line:col" of the first occurrence of `marker` in `text` (1-based, as the loader reports). */
function positionOf(text: string, marker: string): string {
  const before = text.slice(0, text.indexOf(marker));
  const lines = before.split("\n");
  return `${lines.length}:${(lines[lines.length - 1] ?? "").length + 1}`;
}

function gitfleet(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        cliOutput.push(stdout, stderr);
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const ids = (list: readonly Managed[]): string[] => list.map((c) => c.id).sort();

async function synced(commit: string): Promise<boolean> {
  const status = await world.status("status/cluster.yaml");
  return status.includes(commit) && status.includes("sync: Synced");
}

interface Refusal {
  readonly files: Readonly<Record<string, string | null>>;
  /** path:line:col of each problem, with a text its message must hold. */
  readonly expected: readonly { readonly at: string; readonly says: string }[];
}

/** Push a bad commit; the operator refuses it and nothing moves. Then the good commit again. */
async function refusedByOperator(r: Refusal, message: string): Promise<string> {
  const before = ids(await managed());
  const commit = await world.push(r.files, message);
  await pollUntil(
    "status Rejected for the commit",
    async () => {
      const s = await world.status("status/cluster.yaml");
      return s.includes(commit) && s.includes("sync: Rejected") ? s : undefined;
    },
    { ...BED_POLL, timeoutMs: 30_000 },
  );
  const status = await world.status("status/cluster.yaml");
  const doc = parse(status) as { rejected_commit?: { commit?: string; errors?: string[] } };
  expect(doc.rejected_commit?.commit).toBe(commit);
  const errors = doc.rejected_commit?.errors ?? [];
  for (const e of r.expected) expect(errors.some((line) => line.startsWith(`${e.at}: ${e.says}`))).toBe(true);
  await new Promise((res) => setTimeout(res, 3_000)); // more passes, as many chances to act
  expect(ids(await managed())).toEqual(before);
  expect(serving(await managed("calm"))).toHaveLength(2);
  return status;
}

async function restoreGood(): Promise<void> {
  const commit = await world.push(GOOD, "back to the good commit");
  await pollUntil("status Synced again", () => synced(commit), { ...BED_POLL, timeoutMs: 60_000 });
}

/** validate and plan, given the operator's own configuration, refuse the checkout as the operator does. */
async function refusedByCli(r: Refusal): Promise<void> {
  await world.repo.write(r.files);
  const validate = await gitfleet(["validate", "--json", "-c", world.configFile, world.repo.dir]);
  expect(validate.code).toBe(1);
  const found = (JSON.parse(validate.stdout) as { errors: { path: string; line: number; col: number }[] })
    .errors;
  for (const e of r.expected) expect(found.map((f) => `${f.path}:${f.line}:${f.col}`)).toContain(e.at);
  const plan = await gitfleet(["plan", world.repo.dir, "-c", world.configFile]);
  expect(plan.code).toBe(1);
  for (const e of r.expected) expect(plan.stderr).toContain(`${e.at}: ${e.says}`);
  await world.repo.write(GOOD);
}

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({ "api-token": APP_SECRET }, { ceiling: PINNED });
  // A host TLS key in the store: a commit must never get it into a container.
  await mkdir(path.join(world.secretsDir, "h1"), { mode: 0o700 });
  await writeFile(path.join(world.secretsDir, "h1", "key.pem"), `${TLS_KEY}\n`, { mode: 0o600 });
  const first = await world.push(GOOD, "calm: two replicas");
  world.startOperator();
  await pollUntil(
    "calm 2/2 and Synced",
    async () => {
      return serving(await managed("calm")).length === 2 && (await synced(first));
    },
    { ...BED_POLL, timeoutMs: 90_000 },
  );
}, 150_000);

afterAll(async () => {
  await world?.close();
});

const privileged: Refusal = (() => {
  const cluster = `${clusterYaml()}policy:\n  allow_privileged: true\n`;
  const service = calmYaml("privileged: true");
  return {
    files: { "cluster.yaml": cluster, "services/calm.yaml": service },
    expected: [
      {
        at: `cluster.yaml:${positionOf(cluster, "true")}`,
        says: "policy.allow_privileged: true asks for more than the operator allows: privileged containers are forbidden by ceiling.allow_privileged in the operator configuration",
      },
      {
        at: `services/calm.yaml:${positionOf(service, "true")}`,
        says: "privileged containers are forbidden by ceiling.allow_privileged in the operator configuration",
      },
    ],
  };
})();

const capSysAdmin: Refusal = (() => {
  const service = calmYaml("cap_add: [NET_BIND_SERVICE, SYS_ADMIN]");
  return {
    files: { "services/calm.yaml": service },
    expected: [
      {
        at: `services/calm.yaml:${positionOf(service, "SYS_ADMIN")}`,
        says: "cap_add SYS_ADMIN is forbidden by ceiling.cap_add in the operator configuration",
      },
    ],
  };
})();

const foreignEngine: Refusal = (() => {
  const cluster = clusterYaml().replace(
    "edge:",
    '  - {name: h4, docker: "tcp://10.231.0.99:2375", address: 10.231.0.99}\nedge:',
  );
  return {
    files: { "cluster.yaml": cluster },
    expected: [
      {
        at: `cluster.yaml:${positionOf(cluster, '"tcp://10.231.0.99:2375"')}`,
        says: 'Docker endpoint "tcp://10.231.0.99:2375" is not one this operator may manage (ceiling.endpoints in the operator configuration',
      },
    ],
  };
})();

const renamed: Refusal = (() => {
  const cluster = clusterYaml().replace(`name: ${CLUSTER}`, "name: other-cluster");
  return {
    files: { "cluster.yaml": cluster },
    expected: [
      {
        at: `cluster.yaml:${positionOf(cluster, "other-cluster")}`,
        says: `cluster name "other-cluster" is not the one this operator manages: ceiling.cluster in the operator configuration pins it to "${CLUSTER}"`,
      },
    ],
  };
})();

const tlsKeyAsEnv: Refusal = (() => {
  const service = calmYaml().replace("{API_TOKEN: api-token}", "{API_TOKEN: api-token, STOLEN: h1/key.pem}");
  return {
    files: { "services/calm.yaml": service },
    expected: [
      {
        at: `services/calm.yaml:${positionOf(service, "h1/key.pem")}`,
        says: 'env_secrets.STOLEN: "h1/key.pem" is host TLS or SSH material, not an application secret',
      },
    ],
  };
})();

describe("the operator configuration is the root of trust", () => {
  it.each([
    ["a commit granting itself allow_privileged with a privileged service", privileged],
    ["cap_add SYS_ADMIN", capSysAdmin],
    ["a host on an engine the operator did not list", foreignEngine],
    ["a renamed cluster", renamed],
    ["env_secrets naming a host's TLS key", tlsKeyAsEnv],
  ])("validate and plan refuse %s at the line that asks", async (_what, refusal) => {
    await refusedByCli(refusal);
  });

  it.each([
    ["a commit granting itself allow_privileged with a privileged service", privileged],
    ["cap_add SYS_ADMIN", capSysAdmin],
    ["a host on an engine the operator did not list", foreignEngine],
    ["a renamed cluster", renamed],
    ["env_secrets naming a host's TLS key", tlsKeyAsEnv],
  ])(
    "the running operator refuses %s: nothing changes, the previous commit runs, status says why",
    async (what, refusal) => {
      await refusedByOperator(refusal, `try: ${what}`);
      await restoreGood();
    },
    120_000,
  );

  it("accepts the privileged commit once the operator configuration allows it", async () => {
    expect(await world.stopOperator()).toBe(0);
    const config = await readFile(world.configFile, "utf8");
    await writeFile(
      world.configFile,
      config.replace(`  cluster: ${CLUSTER}\n`, `  cluster: ${CLUSTER}\n  allow_privileged: true\n`),
    );
    const allowed = await gitfleet(["validate", "-c", world.configFile, world.repo.dir]);
    expect(allowed.code).toBe(0); // the good checkout, as a sanity check of the -c path
    await world.repo.write(privileged.files);
    expect((await gitfleet(["validate", "-c", world.configFile, world.repo.dir])).code).toBe(0);
    expect((await gitfleet(["validate", world.repo.dir])).code).toBe(1); // the baseline still refuses it
    const plan = await gitfleet(["plan", world.repo.dir, "-c", world.configFile, "--detailed-exitcode"]);
    expect(plan.code).toBe(3);

    const commit = await world.push(privileged.files, "calm: privileged, now that the operator allows it");
    world.startOperator();
    const taken = await pollUntil(
      "the privileged commit taken as the desired state",
      async () => {
        const doc = parse(await world.status("status/cluster.yaml")) as {
          desired_commit?: { commit?: string };
          rejected_commit?: unknown;
        };
        return doc.desired_commit?.commit === commit ? doc : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(taken.rejected_commit).toBeUndefined();
    // The operator rolls it out: its containers are created privileged. (This machine's
    // own capability set lacks CAP_SYS_RESOURCE, so runc cannot start a privileged
    // container here; on a full host it runs. What is checked is that gitfleet asked.)
    const created = await pollUntil(
      "a privileged calm container",
      async () => {
        for (const c of await managed("calm")) {
          const info = await dockerFor(hostNamed(c.host)).getContainer(c.id).inspect();
          if (info.HostConfig.Privileged === true) return info;
        }
        return undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    const label = created.Config.Labels?.["gitfleet.commit"] ?? "";
    expect(label.length).toBeGreaterThanOrEqual(7);
    expect(commit.startsWith(label)).toBe(true);
    await restoreGood();
    expect(serving(await managed("calm"))).toHaveLength(2);
  }, 180_000);

  it("replaces the replicas using a secret when it rotates; their label is a keyed hash of it", async () => {
    const before = serving(await managed("calm"));
    expect(before).toHaveLength(2);
    await writeFile(path.join(world.secretsDir, "env", "api-token"), `${ROTATED}\n`, { mode: 0o600 });
    expect(await world.notify("0000000")).toBe(202); // no commit: only the store changed
    const after = await pollUntil(
      "calm replaced after the rotation",
      async () => {
        const list = serving(await managed("calm"));
        return list.length === 2 && list.every((c) => !before.some((b) => b.id === c.id)) ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    const sha = (t: string): string => createHash("sha256").update(t).digest("hex");
    for (const c of after) {
      const info = await dockerFor(hostNamed(c.host)).getContainer(c.id).inspect();
      expect(info.Config.Env).toContain(`API_TOKEN=${ROTATED}`);
      expect(c.specHash).not.toBe(before[0]?.specHash);
      const labels = JSON.stringify(info.Config.Labels);
      for (const leak of [ROTATED, sha(ROTATED), APP_SECRET, sha(APP_SECRET)])
        expect(labels).not.toContain(leak);
    }
  }, 120_000);

  it("never shows a secret value in the operator's log, the CLI's output or Git", async () => {
    const everything = [world.output, cliOutput.join("\n"), await world.everythingInGit()].join("\n");
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});
