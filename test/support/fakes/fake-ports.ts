// Fakes of the Git ports for the loop's unit tests: a source whose snapshot
// the test sets, and a sink that records what it was asked to commit.

import type {
  DesiredSource,
  RejectedCommit,
  SourceSnapshot,
  StatusSink,
  StatusWriteResult,
} from "../../../src/ports/index.js";
import type { DesiredState, SpecError } from "../../../src/model/spec.js";
import type { FakeTime } from "./fake-time.js";

export class FakeSource implements DesiredSource {
  private snap: SourceSnapshot = { rewritten: false, changed: false };
  polls = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Polls that throw (a bug, not an outage: outages are reported in the snapshot). */
  throwNext = 0;

  constructor(private readonly time: FakeTime) {}

  set(state: DesiredState, commit = "c1"): void {
    const info = { commit, author: "dev", message: `deploy ${commit}`, timestamp: 1_700_000_000_000 };
    this.snap = { tip: info, desired: { ...info, state, files: new Map() }, rewritten: false, changed: true };
  }

  reject(commit: string, errors: readonly SpecError[]): void {
    const info = { commit, author: "dev", message: "broken", timestamp: 1_700_000_000_000 };
    const rejected: RejectedCommit = { ...info, reason: "invalid", errors };
    this.snap = { ...this.snap, tip: info, rejected, changed: true };
  }

  async poll(): Promise<SourceSnapshot> {
    this.polls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.time.sleep(20);
      if (this.throwNext > 0) {
        this.throwNext--;
        throw new Error("boom");
      }
      return this.snap;
    } finally {
      this.inFlight--;
    }
  }

  current(): SourceSnapshot {
    return this.snap;
  }
}

export class FakeSink implements StatusSink {
  readonly writes: Array<{ files: ReadonlyMap<string, string>; message: string; time: number }> = [];
  /** What readStatus finds on the branch before this sink wrote anything (a restart: the last status). */
  branch: ReadonlyMap<string, string> | undefined;
  /** readStatus throws this (the branch cannot be read). */
  readError: Error | undefined;
  reads = 0;

  constructor(private readonly time: FakeTime) {}

  async readStatus(): Promise<ReadonlyMap<string, string> | undefined> {
    this.reads++;
    if (this.readError) throw this.readError;
    const files = this.writes.at(-1)?.files ?? this.branch;
    return files && new Map([...files].filter(([p]) => p.startsWith("status/")));
  }

  async write(files: ReadonlyMap<string, string>, message: string): Promise<StatusWriteResult> {
    this.writes.push({ files: new Map(files), message, time: this.time.now() });
    return { committed: true, commit: `s${this.writes.length}`, pushed: true };
  }

  last(path: string): string {
    return this.writes.at(-1)?.files.get(path) ?? "";
  }
}
