// The operator's Node flags (src/daemon/node-flags.ts) bound V8's young generation in a
// process started with them, as the image and the systemd unit start `gitfleet run`: a
// process that allocates fast with survivors (as a deploy does) keeps its new space within
// the bound, where the same process started without them grows it past the bound.

import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { OPERATOR_NODE_FLAGS } from "../../../src/daemon/node-flags.js";

/** Allocates ~600 MiB in short-lived batches that outlive a scavenge or two; prints new space's size. */
const CHURN = `
const v8 = require("node:v8");
const kept = [];
let batch = [];
for (let i = 0; i < 4e6; i++) {
  batch.push({ i, s: "x" + i });
  if (batch.length === 60000) { kept.push(batch); if (kept.length > 3) kept.shift(); batch = []; }
}
const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
process.stdout.write(String(ns.space_size));
`;

function newSpaceBytes(flags: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [...flags, "-e", CHURN],
      { env: { ...process.env, NODE_OPTIONS: "" } },
      (err, stdout) => (err ? reject(err) : resolve(Number(stdout))),
    ),
  );
}

/** --max-semi-space-size=N (MiB): new space is two semi-spaces. */
function bound(): number {
  const mib = Number(
    /^--max-semi-space-size=(\d+)$/.exec(
      OPERATOR_NODE_FLAGS.find((f) => f.startsWith("--max-semi-space-size=")) ?? "",
    )?.[1],
  );
  return 2 * mib * 1024 * 1024;
}

describe("the operator's Node flags", () => {
  it("keep a fast-allocating process's young generation within --max-semi-space-size", async () => {
    expect(bound()).toBeGreaterThan(0);
    const [bounded, unbounded] = await Promise.all([newSpaceBytes(OPERATOR_NODE_FLAGS), newSpaceBytes([])]);
    expect(bounded).toBeLessThanOrEqual(bound());
    // Without them the same process grows new space past that bound (V8's default: 2 × 16 MiB).
    expect(unbounded).toBeGreaterThan(bound());
  });
});
