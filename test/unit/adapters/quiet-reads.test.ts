// A quiet host's reads are kept: while its event stream is up and silent, its
// last ping answered and gitfleet changed nothing there. Anything else, or age,
// reads again.

import { describe, expect, it } from "vitest";
import { QUIET_RESYNC_MS, QuietReads } from "../../../src/adapters/docker/driver.js";

function setup(): {
  quiet: QuietReads;
  reads: () => number;
  read: () => Promise<number>;
  clock: { t: number };
} {
  const clock = { t: 1_000 };
  const quiet = new QuietReads(
    () => clock.t,
    () => 0,
  );
  let n = 0;
  const read = (): Promise<number> => quiet.read("replicas", async () => ++n);
  return { quiet, reads: () => n, read, clock };
}

describe("QuietReads", () => {
  it("keeps a read while the host is quiet, and reads again after any event, change or failed ping", async () => {
    const { quiet, reads, read } = setup();
    expect(await read()).toBe(1); // nothing known yet
    quiet.event("connected");
    quiet.pinged(true);
    expect(await read()).toBe(2); // the connect itself is news
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    quiet.event("container");
    expect(await read()).toBe(3);
    quiet.changed();
    expect(await read()).toBe(4);
    quiet.pinged(false);
    expect(await read()).toBe(5);
    expect(await read()).toBe(6); // the ping has not answered since
    quiet.pinged(true);
    expect(await read()).toBe(6);
    expect(reads()).toBe(6);
  });

  it("never keeps a read without an event stream, and reads a quiet host again after the resync period", async () => {
    const { quiet, read, clock } = setup();
    quiet.pinged(true);
    expect(await read()).toBe(1);
    expect(await read()).toBe(2); // no stream: nothing would tell of a change
    quiet.event("connected");
    expect(await read()).toBe(3);
    clock.t += QUIET_RESYNC_MS - 1;
    expect(await read()).toBe(3);
    clock.t += 1;
    expect(await read()).toBe(4);
    quiet.event("disconnected");
    expect(await read()).toBe(5);
    quiet.unwatched();
    expect(await read()).toBe(6);
  });

  it("spreads the resyncs: a read is kept for between half and all of the resync period", async () => {
    const clock = { t: 0 };
    const draws = [0.999, 0];
    const quiet = new QuietReads(
      () => clock.t,
      () => draws.shift() ?? 0,
    );
    quiet.event("connected");
    quiet.pinged(true);
    let n = 0;
    const read = (key: string): Promise<number> => quiet.read(key, async () => ++n);
    expect(await read("a")).toBe(1); // kept for about half the period
    expect(await read("b")).toBe(2); // kept for all of it
    clock.t = QUIET_RESYNC_MS * 0.51;
    expect(await read("a")).toBe(3);
    expect(await read("b")).toBe(2);
  });

  it("reads again after a failed read, and a change during a read makes that read stale", async () => {
    const clock = { t: 0 };
    const quiet = new QuietReads(() => clock.t);
    quiet.event("connected");
    quiet.pinged(true);
    let fail = true;
    let n = 0;
    const read = (): Promise<number> =>
      quiet.read("v", async () => {
        n++;
        if (fail) throw new Error("boom");
        return n;
      });
    await expect(read()).rejects.toThrow("boom");
    fail = false;
    expect(await read()).toBe(2);
    let release: () => void = () => undefined;
    const slow = quiet.read("w", () => new Promise<string>((r) => (release = () => r("old"))));
    quiet.changed(); // a create was sent while the listing was on its way
    release();
    expect(await slow).toBe("old");
    expect(await quiet.read("w", async () => "new")).toBe("new");
  });

  it("forgets one read (a pull of ours: the images) and keeps the others", async () => {
    const { quiet } = setup();
    quiet.event("connected");
    quiet.pinged(true);
    let n = 0;
    const read = (key: string): Promise<number> => quiet.read(key, async () => ++n);
    expect(await read("info")).toBe(1);
    expect(await read("replicas")).toBe(2);
    expect(await read("info")).toBe(1);
    quiet.forget("info");
    expect(await read("info")).toBe(3);
    expect(await read("replicas")).toBe(2);
  });
});
