// What holds a fleet's new commits back (`gitfleet suspend`), read from every
// place the switch may be kept: the operator's work_dir file and, in a standby
// group, the fleet's etcd key. Pure: the readers are adapters; this says what
// their answers mean together.
//
// With standby operators `gitfleet resume` is the fleet's, as `flux resume` is
// the shared resource's: besides clearing the key it leaves a resume mark in
// etcd, and a work_dir file older than the mark no longer holds (a file left in
// a standby's own work_dir would otherwise hold the fleet again the day that
// standby leads). "Older" is by etcd revision when the file has one (written by
// `suspend` while etcd answered), else by wall clock (`at`: a file from before
// the shared switch, or written while etcd did not answer).
//
// Unknown is its own answer, never "not suspended": one switch that cannot be
// read makes the whole answer unknown, and a new commit waits (fail closed).

export interface SuspendNote {
  readonly reason?: string;
  readonly by?: string;
  /** ms since epoch. */
  readonly at?: number;
  /** The etcd revision of the fleet's switch this note was set with (work_dir file, standby groups). */
  readonly revision?: number;
}

/** One place that holds the fleet: the work_dir file (its path) or the fleet's etcd key. */
export interface SuspendHold {
  readonly switch: "file" | "etcd";
  readonly where: string;
  readonly note: SuspendNote;
}

/** `gitfleet resume` in a standby group: every switch set before it is lifted. */
export interface ResumeMark {
  readonly key: string;
  /** etcd revision of the resume. */
  readonly revision: number;
  readonly note: SuspendNote;
}

export type SuspendState =
  | {
      readonly state: "suspended";
      readonly holds: readonly SuspendHold[];
      readonly lifted: readonly SuspendHold[];
    }
  | { readonly state: "not-suspended"; readonly lifted: readonly SuspendHold[] }
  /** A switch could not be read (`code` as etcd-unreachable, `error` "code: message"): `holds` is what was seen, maybe not all. */
  | {
      readonly state: "unknown";
      readonly code: string;
      readonly error: string;
      readonly holds: readonly SuspendHold[];
    };

/** What the fleet's etcd key and resume mark say, or why they could not be read. */
export type SharedRead =
  | { readonly ok: true; readonly hold: SuspendHold | undefined; readonly resumed: ResumeMark | undefined }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Whether a resume came after the work_dir file was written (so that it no longer holds). */
export function liftedBy(file: SuspendNote, mark: ResumeMark | undefined): boolean {
  if (mark === undefined) return false;
  if (file.revision !== undefined) return file.revision < mark.revision;
  // No revision: by wall clock; a file without a time at all predates nothing.
  return file.at !== undefined && mark.note.at !== undefined && file.at < mark.note.at;
}

/** The switches' answers together; `shared` undefined without standby operators. */
export function suspendStateOf(file: SuspendHold | undefined, shared: SharedRead | undefined): SuspendState {
  const seen = [
    ...(shared?.ok === true && shared.hold !== undefined ? [shared.hold] : []),
    ...(file ? [file] : []),
  ];
  if (shared?.ok === false)
    return { state: "unknown", code: shared.code, error: `${shared.code}: ${shared.message}`, holds: seen };
  const lifted = file !== undefined && liftedBy(file.note, shared?.resumed) ? [file] : [];
  const holds = seen.filter((h) => !lifted.includes(h));
  return holds.length > 0 ? { state: "suspended", holds, lifted } : { state: "not-suspended", lifted };
}
