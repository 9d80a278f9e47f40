// Moving a bound replica's data on purpose (drain with move_data: true): stop
// the replica, copy each volume to the target host through helper containers
// (archive out of one, into the other), verify the copy (bytes, files and a
// checksum over every file), then mark the source volume superseded. Only that
// mark makes the copy count (see schedule/volume-affinity.ts): the next
// schedule binds the slot to the target and the planner starts the replica
// there. The source volume is never deleted. A failed copy starts the replica
// again on its source host and is retried after a pause; an operator killed
// mid-copy leaves an unfinished copy that counts for nothing, and the next
// attempt empties it and copies again. Both copies survive every failure.

import type { Logger } from "../ports/logger.js";
import type { ObservedReplica } from "../model/observed.js";
import { isLive } from "../model/observed.js";
import type { DesiredState } from "../model/spec.js";
import { DEFAULT_VOLUME_HELPER_IMAGE, volumeName } from "../model/volumes.js";
import type { DataMove, Placement } from "../schedule/types.js";
import type { EventSink } from "../report/events.js";
import { raceDown } from "../observe/fenced-driver.js";
import { withTimeout } from "../observe/observer.js";
import type { Fleet } from "../observe/fleet.js";
import type { HostHealth } from "../observe/host-health.js";
import { ControllerError, errorMessage, type HostDriver } from "../ports/host.js";
import type { Time } from "../ports/time.js";
import type { VolumeHelperPort, VolumeManifest, VolumePort } from "../ports/volumes.js";

export interface DataMoverOptions {
  readonly fleet: Pick<Fleet, "driver">;
  readonly health: HostHealth;
  readonly time: Time;
  readonly logger: Logger;
  readonly events: EventSink;
  /** Deadline of one volume's copy, streams included (default 10 min). */
  readonly copyTimeoutMs?: number;
  /** Pause before a failed move is tried again (default 60 s). */
  readonly retryAfterMs?: number;
}

export class DataMover {
  /** "service/slot" → when a failed move may be tried again. */
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly o: DataMoverOptions) {}

  /** Runs the placement's data moves one at a time; true when any copy completed. */
  async run(
    desired: DesiredState,
    placement: Placement,
    replicas: readonly ObservedReplica[],
  ): Promise<boolean> {
    let done = false;
    for (const move of placement.dataMoves ?? []) {
      const key = `${move.service}/${move.slot}`;
      if ((this.retryAt.get(key) ?? 0) > this.o.time.now()) continue;
      if (await this.moveOne(desired, move, replicas)) {
        this.retryAt.delete(key);
        done = true;
      } else this.retryAt.set(key, this.o.time.now() + (this.o.retryAfterMs ?? 60_000));
    }
    return done;
  }

  // eslint-disable-next-line max-lines-per-function -- one volume move's steps (helpers, copy, compare, mark) and their events, in order
  private async moveOne(
    desired: DesiredState,
    move: DataMove,
    replicas: readonly ObservedReplica[],
  ): Promise<boolean> {
    const spec = desired.services.find((s) => s.name === move.service);
    const from = this.o.fleet.driver(move.from);
    const to = this.o.fleet.driver(move.to);
    if (spec === undefined || from?.volumes === undefined || to?.volumes === undefined) return false;
    const what = `${move.service}/${move.slot}`;
    const running = replicas.filter(
      (r) => r.service === move.service && r.slot === move.slot && r.host === move.from && isLive(r),
    );
    this.event(
      move,
      "data-move-started",
      `${what}: stopped to move its data from ${move.from} to ${move.to}`,
    );
    const image = desired.cluster.settings.volumeHelperImage ?? DEFAULT_VOLUME_HELPER_IMAGE;
    try {
      // The helper image first, on both hosts: a pull that fails must not leave the replica stopped.
      await this.guard(move, Promise.all([from.pull(image), to.pull(image)]));
      for (const r of running) await from.stop(r.id, spec.stopGracePeriodMs);
      const copied: string[] = [];
      for (const source of move.volumes) {
        const volume = volumeName(desired.cluster.name, source);
        const m = await this.guard(
          move,
          copyVolume({
            from: from.volumes,
            to: to.volumes,
            volume,
            source,
            move,
            image,
            timeoutMs: this.timeout,
          }),
        );
        copied.push(`${source} (${m.bytes} bytes, ${m.files} files, sha256 ${m.sha256.slice(0, 12)})`);
      }
      // Last: from here on the copies are the data (a crash before this leaves the source in charge).
      for (const source of move.volumes) {
        const volume = volumeName(desired.cluster.name, source);
        await this.guard(move, from.volumes.markSuperseded({ volume, by: move.to, image }));
      }
      this.event(
        move,
        "data-moved",
        `${what}: volume${copied.length > 1 ? "s" : ""} ${copied.join(", ")} copied from ${move.from} ` +
          `to ${move.to} and verified; the copy on ${move.from} is kept, marked superseded`,
      );
      return true;
    } catch (err) {
      await this.restart(from, running);
      this.event(
        move,
        "data-move-failed",
        `${what}: moving its data from ${move.from} to ${move.to} failed (${errorMessage(err)}); ` +
          `it runs on ${move.from} again`,
      );
      return false;
    }
  }

  private get timeout(): number {
    return this.o.copyTimeoutMs ?? 600_000;
  }

  /** Abandons the step at once when either host is declared down meanwhile, or past the deadline. */
  private async guard<T>(move: DataMove, p: Promise<T>): Promise<T> {
    const now = this.o.time.now();
    const toDown = raceDown(p, this.o.health.downSignal(move.to, now), move.to);
    const fromDown = raceDown(toDown, this.o.health.downSignal(move.from, now), move.from);
    return withTimeout(
      fromDown,
      this.timeout,
      this.o.time,
      () => new ControllerError("data-move-timeout", `not done within ${this.timeout} ms`),
    );
  }

  private async restart(from: HostDriver, stopped: readonly ObservedReplica[]): Promise<void> {
    for (const r of stopped) {
      try {
        await from.start(r.id);
      } catch (err) {
        // The planner replaces it on its host in this or the next pass (its slot stays bound there).
        this.o.logger.warn(
          { host: from.name, container: r.name, err: errorMessage(err) },
          "restart after a failed data move",
        );
      }
    }
  }

  /** To status and the log (the journal logs every event). */
  private event(
    move: DataMove,
    kind: "data-move-started" | "data-moved" | "data-move-failed",
    message: string,
  ): void {
    this.o.events({
      time: this.o.time.now(),
      kind,
      service: move.service,
      slot: move.slot,
      host: kind === "data-moved" ? move.to : move.from,
      message,
    });
  }
}

interface CopyRequest {
  readonly from: VolumePort;
  readonly to: VolumePort;
  readonly volume: string;
  readonly source: string;
  readonly move: DataMove;
  readonly image: string;
  readonly timeoutMs: number;
}

/** One volume, source → target, verified; the helpers are removed whatever happens. */
export async function copyVolume(c: CopyRequest): Promise<VolumeManifest> {
  const prepared = await c.to.prepareCopyTarget({
    volume: c.volume,
    source: c.source,
    service: c.move.service,
    slot: c.move.slot,
    from: c.move.from,
  });
  const helpers: VolumeHelperPort[] = [];
  try {
    const src = await c.from.openHelper({
      volume: c.volume,
      image: c.image,
      readOnly: true,
      side: "source",
      timeoutMs: c.timeoutMs,
    });
    helpers.push(src);
    const dst = await c.to.openHelper({
      volume: c.volume,
      image: c.image,
      readOnly: false,
      side: "target",
      timeoutMs: c.timeoutMs,
    });
    helpers.push(dst);
    // A copy left by an interrupted attempt is only ever our own: start from empty.
    if (prepared === "reused") await dst.clear();
    const before = await src.manifest();
    await dst.extract(await src.archive());
    const after = await dst.manifest();
    if (after.sha256 !== before.sha256 || after.bytes !== before.bytes || after.files !== before.files) {
      throw new ControllerError(
        "data-copy-mismatch",
        `copy of ${c.source} does not match: ${before.bytes} bytes / ${before.files} files / ${before.sha256.slice(0, 12)} ` +
          `on ${c.move.from}, ${after.bytes} / ${after.files} / ${after.sha256.slice(0, 12)} on ${c.move.to}`,
      );
    }
    return after;
  } finally {
    // Not awaited: removing a helper on a host that just died must not hold the pass.
    for (const h of helpers) h.close().catch(() => undefined);
  }
}
