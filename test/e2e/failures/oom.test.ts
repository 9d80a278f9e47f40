// Failed replicas on the real test bed (issue 6, resource shortage): a replica
// the kernel OOM-kills moves to another host (that host is short of memory for
// it), counted as a restart and reported; and a killed replica is replaced by a
// new container rather than started again, so a non-root service can still
// write to its tmpfs (Docker 20.10 remounts a tmpfs as root 0755 when a stopped
// container is started again).

import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed } from "../../support/testbed.js";
import { BED_POLL, managed, type Managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster, settled } from "./support.js";

/** Waits for /tmp/hog, then eats memory until its 32 MiB limit gets it OOM-killed. */
const HOG = `kind: Service
name: hog
image: gitfleet/busybox:1.35
command: ["sh", "-c", "while [ ! -f /tmp/hog ]; do sleep 0.2; done; exec tail /dev/zero"]
stop_grace_period: 1s
deploy:
  replicas: 1
  resources: {limits: {memory: 32M}, reservations: {memory: 16M}}
  restart_policy: {delay: 1s}
`;
/** Runs as nobody and fails at once when its tmpfs is not writable. */
const SCRATCH = `kind: Service
name: scratch
image: gitfleet/busybox:1.35
user: "65534:65534"
command: ["sh", "-c", "echo up > /scratch/started && exec sleep 3600"]
volumes: [{type: tmpfs, target: /scratch}]
stop_grace_period: 1s
deploy:
  replicas: 1
  restart_policy: {delay: 1s}
`;
const DESIRED = { hog: 1, scratch: 1 };

interface ServiceStatus {
  replicas?: Array<Record<string, unknown>>;
  events?: Array<{ kind?: string; message?: string }>;
}

let world: OperatorWorld;
const serviceStatus = async (name: string) =>
  (parse(await world.status(`status/services/${name}.yaml`)) ?? {}) as ServiceStatus;

/** Runs a command in a container as its own user; the exit code. */
async function execIn(c: Managed, cmd: string[]): Promise<number> {
  const exec = await dockerFor(hostNamed(c.host))
    .getContainer(c.id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.resume();
  });
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`exec ${cmd.join(" ")} in ${c.name} did not finish`);
}

/** The one container of a service's slot 1 across the cluster, once it serves and is not `old`. */
async function replacementOf(old: Managed): Promise<Managed | undefined> {
  const all = await managed(old.service);
  const slot = all.filter((c) => c.slot === old.slot);
  const [only] = slot;
  return slot.length === 1 && only !== undefined && only.id !== old.id && serving(slot).length === 1
    ? only
    : undefined;
}

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push(
    { "cluster.yaml": failureCluster(), "services/hog.yaml": HOG, "services/scratch.yaml": SCRATCH },
    "oom drill",
  );
  world.startOperator();
  await pollUntil("hog and scratch deployed", () => settled(world, DESIRED), {
    ...BED_POLL,
    timeoutMs: 120_000,
  });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

describe("failed replicas", () => {
  it("moves an OOM-killed replica to another host, counts the restart and says why", async () => {
    const before = await pollUntil("settled", () => settled(world, DESIRED), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const victim = before.find((c) => c.service === "hog");
    if (victim === undefined) throw new Error("a hog replica expected");
    // The trigger file makes it exhaust its memory limit.
    const t0 = Date.now();
    expect(await execIn(victim, ["touch", "/tmp/hog"])).toBe(0);
    const moved = await pollUntil("hog replaced on another host", () => replacementOf(victim), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const ms = Date.now() - t0;
    process.stderr.write(`[oom] killed on ${victim.host} → serving on ${moved.host}: ${ms} ms\n`);
    expect(ms).toBeLessThan(30_000);
    expect(moved.host).not.toBe(victim.host);
    // Exactly one container for the slot across the cluster, and nothing else of hog anywhere.
    expect((await managed("hog")).map((c) => c.id)).toEqual([moved.id]);

    const status = await pollUntil(
      "status shows the move and the restart",
      async () => {
        const s = await serviceStatus("hog");
        const r = s.replicas?.find((x) => x["slot"] === victim.slot);
        return r?.["host"] === moved.host && r["restarts"] === 1 ? s : undefined;
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    const move = status.events?.find((e) => e.kind === "moved");
    expect(move?.message).toContain(`${victim.host} → ${moved.host}`);
    expect(move?.message).toContain(`OOM-killed on ${victim.host}`);
    expect(world.output).toContain(`OOM-killed on ${victim.host}`);
    // The operator knew it was the kernel's doing (inspect State.OOMKilled).
    expect(world.output).toMatch(/hog\/1 was OOM-killed on h\d/);
  }, 120_000);

  it("backs off a replica OOM-killed again soon after its restart, and names OOM in status", async () => {
    const before = await pollUntil("settled", () => settled(world, DESIRED), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const victim = before.find((c) => c.service === "hog");
    if (victim === undefined) throw new Error("a hog replica expected");
    const killedAt = Date.now();
    expect(await execIn(victim, ["touch", "/tmp/hog"])).toBe(0);
    // Its second failure within minutes of a restart: a crash loop, so the restart waits out a
    // backoff (5-10 s; restart_policy.delay alone is 1 s), and status says why and until when.
    const waiting = await pollUntil(
      "status: hog waits as oom-killed",
      async () => {
        const s = (parse(await world.status("status/services/hog.yaml")) ?? {}) as {
          state?: string;
          waiting?: Array<{ reason?: string; slot?: string; attempts?: number; next_retry?: string }>;
          replicas?: Array<{ oom_killed?: boolean; state?: string }>;
        };
        return s.state === "oom-killed" ? s : undefined;
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    expect(waiting.waiting?.[0]).toMatchObject({ reason: "oom-killed", slot: victim.slot, attempts: 2 });
    expect(waiting.waiting?.[0]?.next_retry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(waiting.replicas?.some((r) => r.oom_killed === true && r.state === "exited")).toBe(true);
    expect(await world.status("STATUS.md")).toMatch(
      /## Waiting for a retry\n\n- \*\*hog\/1\*\* on h\d: oom-killed/,
    );
    const moved = await pollUntil("hog replaced after its backoff", () => replacementOf(victim), {
      ...BED_POLL,
      timeoutMs: 40_000,
    });
    const ms = Date.now() - killedAt;
    process.stderr.write(`[oom] second kill → serving again after ${ms} ms (backoff)\n`);
    expect(ms).toBeGreaterThan(4_000);
    expect((await managed("hog")).map((c) => c.id)).toEqual([moved.id]);
  }, 120_000);

  it("replaces a killed non-root replica with a new container whose tmpfs it can write", async () => {
    const before = await pollUntil("settled", () => settled(world, DESIRED), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const victim = before.find((c) => c.service === "scratch");
    if (victim === undefined) throw new Error("a scratch replica expected");
    expect(await execIn(victim, ["sh", "-c", "echo hi > /scratch/probe"])).toBe(0);
    await dockerFor(hostNamed(victim.host)).getContainer(victim.id).kill();
    const fresh = await pollUntil("scratch replaced", () => replacementOf(victim), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    // Not an OOM kill: its host stays its host.
    expect(fresh.host).toBe(victim.host);
    // Its own start wrote there (or it would have exited); so can anything it runs.
    expect(await execIn(fresh, ["sh", "-c", "cat /scratch/started && echo hi > /scratch/probe"])).toBe(0);
    await pollUntil(
      "status counts the restart",
      async () => {
        const r = (await serviceStatus("scratch")).replicas?.find((x) => x["slot"] === victim.slot);
        return r?.["restarts"] === 1 && r["state"] === "running";
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );
  }, 120_000);
});
