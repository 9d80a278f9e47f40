import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PackReader } from "../../../src/adapters/git/pack-reader.js";
import {
  WorkRepo,
  createBareRepo,
  gitCli,
  removeDir,
  serviceYaml,
  tempDir,
  verifyPack,
  type PackedObject,
} from "../../support/git-fixtures.js";

/** Every object in the repository's packs, as `git verify-pack -v` lists them. */
async function packedObjects(gitdir: string): Promise<PackedObject[]> {
  const dir = path.join(gitdir, "objects", "pack");
  const out: PackedObject[] = [];
  for (const f of (await readdir(dir)).filter((name) => name.endsWith(".idx")))
    out.push(...(await verifyPack(gitdir, path.join(dir, f))));
  return out;
}

/** The exact bytes of objects, from `git cat-file --batch`. */
function catFile(gitdir: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["cat-file", "--batch"],
      { cwd: gitdir, encoding: "buffer", maxBuffer: 64 << 20 },
      (err, stdout) => {
        if (err) return reject(err);
        const objects = new Map<string, Buffer>();
        let p = 0;
        while (p < stdout.length) {
          const eol = stdout.indexOf(10, p);
          const [oid = "", , size = "0"] = stdout.toString("latin1", p, eol).split(" ");
          objects.set(oid, stdout.subarray(eol + 1, eol + 1 + Number(size)));
          p = eol + 1 + Number(size) + 1;
        }
        resolve(objects);
      },
    );
    child.stdin?.end(oids.join("\n") + "\n");
  });
}

/** Compare every packed object read by PackReader with git's own; returns how many were deltas. */
async function expectSameAsGit(gitdir: string): Promise<number> {
  const listed = await packedObjects(gitdir);
  const truth = await catFile(
    gitdir,
    listed.map((o) => o.oid),
  );
  const reader = new PackReader(gitdir);
  await reader.refresh();
  for (const o of listed) {
    const ours = reader.read(o.oid);
    expect(ours?.type).toBe(o.type);
    expect(ours?.data.equals(truth.get(o.oid) ?? Buffer.alloc(0))).toBe(true);
  }
  return listed.filter((o) => o.delta).length;
}

describe("PackReader", () => {
  let dir: string;
  afterEach(async () => removeDir(dir));

  it("reads every object as git does, through offset deltas and ref deltas", async () => {
    dir = await tempDir("packs");
    const bare = await createBareRepo(dir, "specs.git");
    const work = await WorkRepo.clone(bare, path.join(dir, "work"));
    const padding = `# ${"x".repeat(400)}\n`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++)
      files[`services/s${i}.yaml`] = serviceYaml(`svc-${i}`, { replicas: i }) + padding;
    await work.commitAndPush(files, "many similar services");
    for (let i = 0; i < 5; i++) {
      await work.commitAndPush(
        { [`services/s${i}.yaml`]: serviceYaml(`svc-${i}`, { replicas: 100 + i }) },
        `change ${i}`,
      );
    }

    await gitCli(bare, ["repack", "-adf", "--quiet"]);
    const ofsDeltas = await expectSameAsGit(bare);
    await gitCli(bare, ["-c", "repack.useDeltaBaseOffset=false", "repack", "-adf", "--quiet"]);
    const refDeltas = await expectSameAsGit(bare);

    expect(ofsDeltas).toBeGreaterThan(10);
    expect(refDeltas).toBeGreaterThan(10);
  });
});
