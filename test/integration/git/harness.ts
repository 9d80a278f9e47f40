// Shared set-up of the Git integration tests: a real smart-HTTP server over a
// fresh bare repository, a work clone that pushes with the git CLI, and a
// cache directory for the operator.

import path from "node:path";
import { GitTestServer } from "../../support/git-server.js";
import { WorkRepo, createBareRepo, removeDir, tempDir } from "../../support/git-fixtures.js";

export const USER = "operator";
export const PASSWORD = "s3cret-pass";

export interface Harness {
  readonly dir: string;
  readonly server: GitTestServer;
  readonly work: WorkRepo;
  readonly url: string;
  readonly cacheDir: string;
  readonly bare: string;
  close(): Promise<void>;
}

let counter = 0;

/** Start a server with one repository; `files` becomes its first commit on main when given. */
export async function startHarness(files?: Record<string, string>): Promise<Harness> {
  const dir = await tempDir("git");
  const root = path.join(dir, "srv");
  const name = `specs-${++counter}.git`;
  const bare = await createBareRepo(root, name);
  const server = await GitTestServer.start({ root, users: { [USER]: PASSWORD } });
  const work = await WorkRepo.clone(bare, path.join(dir, "work"));
  if (files) await work.commitAndPush(files, "initial specs");
  return {
    dir,
    server,
    work,
    bare,
    url: server.url(name),
    cacheDir: path.join(dir, "cache"),
    async close() {
      await server.stop();
      await removeDir(dir);
    },
  };
}

export const auth = { username: USER, password: PASSWORD } as const;
