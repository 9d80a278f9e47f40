// `tasks:` of the operator configuration: how many replica tasks run at once
// per host and in the fleet (execute/admission.ts). Schema-valid by now
// (positive integers); what the schema cannot say is reported at its pointer
// through `problem`. Absent keys keep admission.ts's defaults.

import type { Problem } from "./problem.js";

export interface TasksConfig {
  /** Tasks running at once on one host (absent: the default, 4). */
  readonly perHost?: number;
  /** Tasks running at once in the fleet (absent: the default, 512). */
  readonly total?: number;
}

/** The configured limits (undefined: no `tasks:` section, the defaults apply). */
export function parseTasks(raw: unknown, problem: Problem): TasksConfig | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const t = raw as Record<string, unknown>;
  const count = (key: string): number | undefined => {
    const v = t[key];
    return typeof v === "number" && Number.isInteger(v) && v >= 1 ? v : undefined;
  };
  const perHost = count("per_host");
  const total = count("total");
  // A fleet bound below a host's would make the host's meaningless: say which one was meant.
  const conflict = perHost !== undefined && total !== undefined && total < perHost;
  if (conflict) problem("/tasks/total", "config-conflict", `must be at least tasks.per_host (${perHost})`);
  return {
    ...(perHost !== undefined ? { perHost } : {}),
    ...(total !== undefined && !conflict ? { total } : {}),
  };
}
