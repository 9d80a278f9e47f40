// A repository whose shallow pack is large, generated deterministically with
// git fast-import: the specs of a small cluster and `blobs` files of
// incompressible bytes (an AES-CTR key stream under a fixed key), then a
// second commit that changes one of them. The server is told not to search
// for deltas among the random blobs (pack.window 0), so serving the pack costs
// reading it. For the initial-sync memory test and the Git bench.

import { spawn } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { clusterYaml, createBareRepo, gitCli, serviceYaml } from "./git-fixtures.js";

/** Deterministic bytes that do not compress. */
export function noise(seed: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(seed, 0);
  return createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), iv).update(Buffer.alloc(length));
}

/** Creates `<root>/<name>` holding `blobs` files of `blobBytes` each (plus specs); returns its path. */
export async function createLargeRepo(
  root: string,
  name: string,
  blobs: number,
  blobBytes: number,
): Promise<string> {
  const bare = await createBareRepo(root, name);
  await gitCli(bare, ["config", "pack.window", "0"]);
  const child = spawn("git", ["fast-import", "--quiet"], { cwd: bare, stdio: ["pipe", "ignore", "inherit"] });
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)),
    );
  });
  const write = (chunk: string | Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null) reject(new Error(`git fast-import exited ${child.exitCode}`));
      else if (child.stdin.write(chunk)) resolve();
      else child.stdin.once("drain", resolve);
    });
  const inline = async (file: string, data: Buffer): Promise<void> => {
    await write(`M 100644 inline ${file}\ndata ${data.length}\n`);
    await write(data);
    await write("\n");
  };
  for (let c = 1; c <= 2; c++) {
    await write(`commit refs/heads/main\ncommitter Test <test@example.com> ${1_700_000_000 + c} +0000\n`);
    await write(`data 8\ncommit ${c}\n`);
    if (c === 1) {
      await inline("cluster.yaml", Buffer.from(clusterYaml("big")));
      await inline("services/web.yaml", Buffer.from(serviceYaml("web")));
      for (let i = 0; i < blobs; i++) await inline(`assets/blob-${i}.bin`, noise(i, blobBytes));
    } else {
      await inline("assets/blob-0.bin", noise(1_000_000, blobBytes));
    }
  }
  child.stdin.end();
  await done;
  return bare;
}
