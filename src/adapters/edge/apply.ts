// Apply a rendered configuration to one edge: nothing when it is what already
// runs; else check it with HAProxy, write it atomically, reload seamlessly,
// and only then remember it as applied. A failure at any step leaves the
// marker untouched, so the next pass tries again.

import { createHash } from "node:crypto";
import { silentLogger, type Logger } from "../../ports/logger.js";
import { EdgeError } from "./errors.js";
import type { EdgeTarget } from "../../ports/edge.js";

export type ApplyOutcome =
  | "unchanged" // same text as last applied: no reload
  | "reloaded" // written and loaded by the running HAProxy
  | "written"; // written; no HAProxy runs, it reads the file when it starts

export interface ApplyResult {
  readonly outcome: ApplyOutcome;
  readonly hash: string;
  readonly warnings: readonly string[];
}

export function configHash(config: string): string {
  return createHash("sha256").update(config, "utf8").digest("hex");
}

export async function applyEdgeConfig(
  target: EdgeTarget,
  config: string,
  logger: Logger = silentLogger,
): Promise<ApplyResult> {
  const hash = configHash(config);
  if ((await target.appliedHash()) === hash) return { outcome: "unchanged", hash, warnings: [] };
  const checked = await target.check(config);
  if (!checked.ok) {
    throw new EdgeError("edge-config-invalid", `${target.name}: HAProxy refused the edge configuration`, {
      detail: checked.alerts.join("\n") || checked.output,
    });
  }
  await target.writeConfig(config);
  let outcome: ApplyOutcome = "reloaded";
  try {
    await target.reload();
  } catch (err) {
    if (!(err instanceof EdgeError) || err.code !== "edge-not-running") throw err;
    outcome = "written";
  }
  await target.markApplied(hash);
  logger.info(
    { edge: target.name, outcome, hash: hash.slice(0, 12), warnings: checked.warnings.length },
    "edge configuration applied",
  );
  return { outcome, hash, warnings: checked.warnings };
}
