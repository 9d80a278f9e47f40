// Problems recorded rather than collected: what one file's parse or one
// document's normalisation reported, kept with its result so a later load
// that reuses the result reports exactly the same problems, in the same
// order (the MAX_PROBLEMS cut and the too-many-errors entry depend on order).

import type { SourceRef } from "../model/spec.js";
import { Problems, type LinePos, type SpecErrorCode, type SpecWarningCode } from "./errors.js";

type Entry =
  | { readonly kind: "error"; readonly at: SourceRef; readonly code: SpecErrorCode; readonly message: string }
  | {
      readonly kind: "warning";
      readonly at: SourceRef;
      readonly code: SpecWarningCode;
      readonly message: string;
    }
  | { readonly kind: "silence"; readonly path: string; readonly from: LinePos; readonly to: LinePos };

export class ProblemLog extends Problems {
  readonly entries: Entry[] = [];

  override add(at: SourceRef, code: SpecErrorCode, message: string): void {
    this.entries.push({ kind: "error", at, code, message });
  }

  override warn(at: SourceRef, code: SpecWarningCode, message: string): void {
    this.entries.push({ kind: "warning", at, code, message });
  }

  override silence(path: string, from: LinePos, to: LinePos): void {
    this.entries.push({ kind: "silence", path, from, to });
  }
}

/** Report what was recorded into `problems`, as if it had been reported there. */
export function replay(entries: readonly Entry[], problems: Problems): void {
  for (const e of entries) {
    if (e.kind === "error") problems.add(e.at, e.code, e.message);
    else if (e.kind === "warning") problems.warn(e.at, e.code, e.message);
    else problems.silence(e.path, e.from, e.to);
  }
}
