// A file system for isomorphic-git over an object store only this process
// writes (the operator's bare caches). Profiling the first sync of a 20,000
// file repository showed over half the time in failed syscalls, not in Git:
// every object read first tries to open a loose object file (ENOENT, with a
// costly error), lists objects/pack again and stats the git directory. Here
// loose objects and the pack list are known in memory and kept up to date by
// the writes that go through this file system; everything else passes through.
// (isomorphic-git also probes the fs with a bare readFile() on every call,
// which node:fs answers with an expensive argument error.)

import fs from "node:fs";
import path from "node:path";
import type { PromiseFsClient } from "isomorphic-git";

const LOOSE = /[\\/]objects[\\/]([0-9a-f]{2})[\\/]([0-9a-f]{38})$/;

/** ENOENT without the cost of a stack trace (thousands are thrown while reading a big tree). */
class NotFound extends Error {
  readonly code = "ENOENT";
  constructor(file: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`ENOENT: no such file or directory, open '${file}'`);
    Error.stackTraceLimit = limit;
  }
}

export interface StoreFs {
  readonly client: PromiseFsClient;
  /** Forget what is cached (after the store was changed behind this file system's back). */
  invalidate(): void;
}

// eslint-disable-next-line max-lines-per-function -- the fs facade isomorphic-git calls, one object of small methods sharing the scan caches
export function createStoreFs(gitdir: string): StoreFs {
  const p = fs.promises;
  const root = path.resolve(gitdir);
  const objectsDir = path.join(root, "objects");
  const packDir = path.join(objectsDir, "pack");
  let loose: Promise<Set<string>> | undefined;
  let packs: Promise<string[]> | undefined;
  let rootStat: Promise<fs.Stats> | undefined;

  const scanLoose = async (): Promise<Set<string>> => {
    const found = new Set<string>();
    const dirs = await p.readdir(objectsDir).catch(() => [] as string[]);
    for (const d of dirs) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const f of await p.readdir(path.join(objectsDir, d)).catch(() => [] as string[])) found.add(d + f);
    }
    return found;
  };
  const looseId = (file: string): string | undefined => {
    const m = LOOSE.exec(file);
    return m && path.resolve(file).startsWith(objectsDir) ? `${m[1]}${m[2]}` : undefined;
  };
  const touched = (file: string): void => {
    const resolved = path.resolve(file);
    if (path.dirname(resolved) === packDir) packs = undefined;
    if (resolved === root) rootStat = undefined;
  };

  const promises = {
    ...p,
    async readFile(file: string, options?: unknown): Promise<Buffer | string> {
      // isomorphic-git probes every fs with readFile() and no path, on every call: answer cheaply.
      if (typeof file !== "string") throw new NotFound(String(file));
      const id = looseId(file);
      if (id !== undefined) {
        loose ??= scanLoose();
        if (!(await loose).has(id)) throw new NotFound(file);
      }
      return p.readFile(file, options as fs.ObjectEncodingOptions);
    },
    async writeFile(file: string, data: Uint8Array | string, options?: unknown): Promise<void> {
      await p.writeFile(file, data, options as fs.WriteFileOptions);
      const id = looseId(file);
      if (id !== undefined && loose) (await loose).add(id);
      touched(file);
    },
    async unlink(file: string): Promise<void> {
      await p.unlink(file);
      const id = looseId(file);
      if (id !== undefined && loose) (await loose).delete(id);
      touched(file);
    },
    async readdir(dir: string, options?: unknown): Promise<unknown> {
      if (path.resolve(dir) !== packDir) return p.readdir(dir, options as fs.ObjectEncodingOptions);
      packs ??= p.readdir(packDir);
      packs.catch(() => (packs = undefined));
      return [...(await packs)];
    },
    async stat(file: string, options?: unknown): Promise<fs.Stats> {
      if (path.resolve(file) !== root) return p.stat(file, options as fs.StatOptions) as Promise<fs.Stats>;
      rootStat ??= p.stat(root);
      rootStat.catch(() => (rootStat = undefined));
      return rootStat;
    },
  };
  return {
    client: { promises } as unknown as PromiseFsClient,
    invalidate() {
      loose = undefined;
      packs = undefined;
      rootStat = undefined;
    },
  };
}
