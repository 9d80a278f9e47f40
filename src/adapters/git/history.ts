// History cannot be rewound silently: a watched branch that moves to a commit
// which does not descend from the applied one (a force-push, a reset to an
// older commit) is refused unless the operator configuration allows it, and
// always when commits must be signed: an old signed commit stays validly
// signed, so replaying it is exactly what verification must not let through
// (Flux refuses non-fast-forward updates under verification for this reason).

import type { CommitInfo, RejectedCommit } from "../../ports/index.js";

export const REWIND_CODE = "history-rewound";

export function rewindRejection(commit: CommitInfo, applied: string, verifying: boolean): RejectedCommit {
  const how = verifying
    ? "with signature verification on, a rewound branch is always refused"
    : "set repository.allow_force_push: true in the operator configuration to allow it";
  const message =
    `the branch was rewound: ${commit.commit.slice(0, 12)} does not descend from the applied commit ` +
    `${applied.slice(0, 12)} (a force-push?); it is refused and ${applied.slice(0, 12)} keeps running (${how})`;
  return {
    ...commit,
    reason: "history-rewound",
    errors: [{ path: "", line: 0, col: 0, code: REWIND_CODE, message }],
  };
}
