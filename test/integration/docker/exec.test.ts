// `docker exec` through the real local dockerd, as the edge drives HAProxy: the
// multiplexed output split into stdout and stderr, the exit code, and a command
// that outlives its deadline refused with the edge's exec error.

import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeExecError, execIn } from "../../../src/adapters/edge/exec.js";
import { cleanupCluster, docker, ensureTestImage, TEST_IMAGE } from "./fixtures.js";
import { testCluster } from "./support.js";

const cluster = testCluster("exec");
const name = `${cluster}-box`;
const client = new Docker();

beforeAll(async () => {
  await ensureTestImage();
  await docker(
    "run",
    "-d",
    "--name",
    name,
    "--label",
    `gitfleet.cluster=${cluster}`,
    TEST_IMAGE,
    "sleep",
    "600",
  );
}, 120_000);

afterAll(async () => {
  await cleanupCluster(cluster);
});

describe("execIn", () => {
  it("returns the exit code with stdout and stderr apart, output larger than one frame whole", async () => {
    const script =
      "echo out; echo err >&2; i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; exit 3";
    const r = await execIn(client, name, ["sh", "-c", script], 60_000);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe("err\n");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("out");
    expect(lines.filter((l) => l.startsWith("line-"))).toHaveLength(2000);
    expect(lines.at(-2)).toBe("line-1999");
  });

  it("gives up on a command that does not finish by the deadline, with the edge's exec error", async () => {
    const started = Date.now();
    const failed = await execIn(client, name, ["sleep", "30"], 500).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(EdgeExecError);
    expect(failed).toMatchObject({ code: "edge-exec" });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("a container that is not there fails before any output", async () => {
    await expect(execIn(client, `${cluster}-absent`, ["true"], 5_000)).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
