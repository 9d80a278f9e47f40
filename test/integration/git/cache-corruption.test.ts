import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { gitCli, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

const IDS = 8 + 256 * 4;

/**
 * Damage the cache's pack index so that `a` names `b`'s bytes and `b` names `a`'s (their offsets
 * swapped): each still inflates to a well-formed object, only not to the object asked for.
 */
async function swapOffsets(gitdir: string, a: string, b: string): Promise<void> {
  const dir = path.join(gitdir, "objects", "pack");
  const [name] = (await readdir(dir)).filter((f) => f.endsWith(".idx"));
  const file = path.join(dir, name ?? "");
  const idx = await readFile(file);
  const count = idx.readUInt32BE(8 + 255 * 4);
  const position = (oid: string): number => {
    for (let i = 0; i < count; i++)
      if (idx.toString("hex", IDS + i * 20, IDS + i * 20 + 20) === oid) return i;
    throw new Error(`${oid} is not in the index`);
  };
  const offsets = IDS + count * 24;
  const [i, j] = [position(a), position(b)];
  const x = idx.readUInt32BE(offsets + i * 4);
  idx.writeUInt32BE(idx.readUInt32BE(offsets + j * 4), offsets + i * 4);
  idx.writeUInt32BE(x, offsets + j * 4);
  await writeFile(file, idx);
}

describe("Git cache damage", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("an object of the cache that does not hash to its id is an error, never content; the cache is then fetched afresh", async () => {
    h = await startHarness(validRepo());
    const open = () => openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const first = await open();
    const good = await first.poll();
    expect(good.desired?.state.services.map((s) => s.name)).toEqual(["api", "web"]);
    await first.close();

    // Both spec files are well-formed: read under each other's id they would load, swapped.
    const gitdir = path.join(h.cacheDir, "source.git");
    const blob = async (file: string): Promise<string> =>
      (await gitCli(gitdir, ["rev-parse", `refs/heads/gitfleet-tip:${file}`])).trim();
    await swapOffsets(gitdir, await blob("services/api.yaml"), await blob("services/web.yaml"));

    const restarted = await open();
    const damaged = await restarted.poll();
    expect(damaged.outage?.error).toMatch(/corrupt/);
    expect(damaged.desired).toBeUndefined();
    // A failure that is not the network's, twice: the cache is started afresh, then fetched again.
    expect((await restarted.poll()).outage?.error).toMatch(/corrupt/);
    const healed = await restarted.poll();
    expect(healed.outage).toBeUndefined();
    expect(healed.desired?.commit).toBe(good.desired?.commit);
    expect(healed.desired?.state.services.map((s) => s.name)).toEqual(["api", "web"]);
    expect(healed.desired?.state.services.map((s) => s.specHash)).toEqual(
      good.desired?.state.services.map((s) => s.specHash),
    );
    await restarted.close();
  });

  it("a first fetch's pack left without its index (the process stopped before it was complete) makes the cache start afresh", async () => {
    h = await startHarness(validRepo());
    const open = () => openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const first = await open();
    const good = await first.poll();
    await first.close();
    // As the cache is between the first fetch's answer and its index being written: the tip
    // and its commit and root tree are there, the pack only under its temporary name.
    const packDir = path.join(h.cacheDir, "source.git", "objects", "pack");
    const [name] = (await readdir(packDir)).filter((f) => f.endsWith(".pack"));
    await rm(path.join(packDir, (name ?? "").replace(/\.pack$/, ".idx")));
    await rename(path.join(packDir, name ?? ""), path.join(packDir, "tmp-0123456789ab.pack"));

    const restarted = await open();
    const snap = await restarted.poll();
    expect(snap.outage).toBeUndefined();
    expect(snap.desired?.commit).toBe(good.desired?.commit);
    await restarted.close();
    expect((await readdir(packDir)).filter((f) => f.startsWith("tmp-"))).toEqual([]);
  });
});
