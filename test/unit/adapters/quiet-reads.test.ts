// A quiet host's reads are kept: while its event stream is up, its last ping
// answered and gitfleet changed nothing there. An event makes stale only the
// reads it changes; a reconnect, a failed ping or a change of ours makes all
// stale; and all of a host's reads are taken again together once per resync
// cycle (one random length per host and cycle).

import { describe, expect, it } from "vitest";
import { parseEvent } from "../../../src/adapters/docker/events.js";
import {
  QUIET_RESYNC_MS,
  QuietReads,
  staleAfter,
  type QuietKey,
} from "../../../src/adapters/docker/driver.js";

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

/** A quiet host (stream up, ping answered) and a counter of loads per key. */
function quietHost(random: () => number = () => 0) {
  const clock = { t: 0 };
  const quiet = new QuietReads(() => clock.t, random);
  quiet.stream(true);
  quiet.pinged(true);
  const loads = new Map<QuietKey, number>();
  const read = (key: QuietKey): Promise<number> =>
    quiet.read(key, async () => {
      loads.set(key, (loads.get(key) ?? 0) + 1);
      return loads.get(key) ?? 0;
    });
  const readAll = async (): Promise<void> => {
    await Promise.all((["replicas", "foreign-ports", "info", "volumes"] as const).map(read));
  };
  return { clock, quiet, loads, read, readAll };
}

const line = (o: object): string => JSON.stringify(o);

describe("QuietReads", () => {
  it("keeps a read while the host is quiet, and reads again after an event of it, a change or a failed ping", async () => {
    const { quiet, reads, read } = setup();
    expect(await read()).toBe(1); // nothing known yet
    quiet.stream(true);
    quiet.pinged(true);
    expect(await read()).toBe(2); // the connect itself is news
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    quiet.changed(["replicas"]);
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
    quiet.stream(true);
    expect(await read()).toBe(3);
    clock.t += QUIET_RESYNC_MS - 1;
    expect(await read()).toBe(3);
    clock.t += 1;
    expect(await read()).toBe(4);
    quiet.stream(false);
    expect(await read()).toBe(5);
    quiet.stream(true);
    expect(await read()).toBe(6);
    quiet.unwatched();
    expect(await read()).toBe(7);
  });

  it("resyncs every 15 to 30 minutes: watched changes are told, the resync only bounds a missed event", () => {
    expect(QUIET_RESYNC_MS).toBe(30 * 60_000);
  });

  it("reads all of a host's reads again at one moment per cycle, of one random length per host and cycle", async () => {
    const draws = [0.999, 0.5];
    const { clock, quiet, loads, read, readAll } = quietHost(() => draws.shift() ?? 0);
    await readAll(); // cycle 1: about half the period (draw 0.999)
    expect([...loads.values()]).toEqual([1, 1, 1, 1]);
    // Mid-cycle, one read made stale is read again; it ends with the others all the same.
    clock.t = QUIET_RESYNC_MS * 0.3;
    quiet.changed(["volumes"]);
    await readAll();
    expect(loads.get("volumes")).toBe(2);
    expect(loads.get("replicas")).toBe(1);
    clock.t = QUIET_RESYNC_MS * 0.5 - 1;
    await readAll();
    expect(loads.get("replicas")).toBe(1);
    clock.t = QUIET_RESYNC_MS * 0.51;
    await read("info"); // the first read of a pass after the cycle's end starts the next cycle...
    await readAll(); // ...and the others in that pass are read again too: all four, once
    expect([...loads.entries()]).toEqual([
      ["replicas", 2],
      ["foreign-ports", 2],
      ["info", 2],
      ["volumes", 3],
    ]);
    // Cycle 2 lasts three quarters of the period (draw 0.5).
    clock.t = QUIET_RESYNC_MS * (0.51 + 0.75) - 1;
    await readAll();
    expect(loads.get("replicas")).toBe(2);
    clock.t += 1;
    await readAll();
    expect(loads.get("replicas")).toBe(3);
    expect(loads.get("foreign-ports")).toBe(3);
  });

  it("two hosts read in one pass resync at different moments", async () => {
    const a = quietHost(() => 0.999);
    const b = quietHost(() => 0);
    await a.readAll();
    await b.readAll();
    a.clock.t = b.clock.t = QUIET_RESYNC_MS * 0.6;
    await a.readAll();
    await b.readAll();
    expect(a.loads.get("replicas")).toBe(2);
    expect(b.loads.get("replicas")).toBe(1);
  });

  it("reads again after a failed read, and a change during a read makes that read stale", async () => {
    const clock = { t: 0 };
    const quiet = new QuietReads(() => clock.t);
    quiet.stream(true);
    quiet.pinged(true);
    let fail = true;
    let n = 0;
    const read = (): Promise<number> =>
      quiet.read("volumes", async () => {
        n++;
        if (fail) throw new Error("boom");
        return n;
      });
    await expect(read()).rejects.toThrow("boom");
    fail = false;
    expect(await read()).toBe(2);
    let release: () => void = () => undefined;
    const slow = quiet.read("info", () => new Promise<string>((r) => (release = () => r("old"))));
    quiet.changed(); // a create was sent while the listing was on its way
    release();
    expect(await slow).toBe("old");
    expect(await quiet.read("info", async () => "new")).toBe("new");
  });

  it("makes one read stale (a pull of ours: the images) and keeps the others", async () => {
    const { quiet, loads, read } = quietHost();
    expect(await read("info")).toBe(1);
    expect(await read("replicas")).toBe(1);
    expect(await read("info")).toBe(1);
    quiet.changed(["info"]);
    expect(await read("info")).toBe(2);
    expect(await read("replicas")).toBe(1);
    expect(loads.get("replicas")).toBe(1);
  });
});

describe("staleAfter: what each watched event changes of a host's reads", () => {
  const parse = (o: object) => {
    const e = parseEvent("h", line(o), "prod");
    if (e === undefined) throw new Error("no event");
    return e;
  };
  const ours = { "gitfleet.cluster": "prod", "gitfleet.service": "web" };

  it("our container: the replicas only; a volume's superseded marker: the volumes too", () => {
    for (const action of ["start", "die", "destroy", "health_status: healthy", "rename"]) {
      const e = parse({ Type: "container", Action: action, Actor: { ID: "c1", Attributes: ours } });
      expect(e.kind).toBe("container");
      expect(staleAfter(e)).toEqual(["replicas"]);
    }
    const marker = parse({
      Type: "container",
      Action: "destroy",
      Actor: { ID: "m", Attributes: { "gitfleet.cluster": "prod", "gitfleet.role": "volume-superseded" } },
    });
    expect(staleAfter(marker)).toEqual(["replicas", "volumes"]);
  });

  it("another cluster's or an unlabelled container: its published ports, not its health", () => {
    for (const attrs of [{}, { "gitfleet.cluster": "staging" }]) {
      const started = parse({ Type: "container", Action: "start", Actor: { ID: "f", Attributes: attrs } });
      expect(started).toEqual({ kind: "foreign-container", host: "h", action: "start", id: "f" });
      expect(staleAfter(started)).toEqual(["foreign-ports"]);
      const health = parse({
        Type: "container",
        Action: "health_status: unhealthy",
        Actor: { ID: "f", Attributes: attrs },
      });
      expect(staleAfter(health)).toEqual([]);
    }
  });

  it("a volume: the volumes; an image: the images and the replicas (whose listing shows its tag)", () => {
    const vol = parse({ Type: "volume", Action: "destroy", Actor: { ID: "data", Attributes: {} } });
    expect(vol).toEqual({ kind: "volume", host: "h", action: "destroy", id: "data" });
    expect(staleAfter(vol)).toEqual(["volumes"]);
    const img = parse({ Type: "image", Action: "delete", Actor: { ID: "sha256:ab", Attributes: {} } });
    expect(img.kind).toBe("image");
    expect(staleAfter(img)).toEqual(["info", "replicas"]);
  });

  it("without a cluster every container is ours (the watcher's plain use), and other types are ignored", () => {
    const e = parseEvent("h", line({ Type: "container", Action: "die", Actor: { ID: "x", Attributes: {} } }));
    expect(e?.kind).toBe("container");
    expect(parseEvent("h", line({ Type: "network", Action: "connect", Actor: { ID: "n" } }), "prod")).toBe(
      undefined,
    );
  });
});
