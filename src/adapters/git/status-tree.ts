// Builds the tree of a status commit: the base commit's tree with `status/`
// and STATUS.md replaced by the given files and everything else kept as is.
// On the orphan status branch the base holds only status files; on the
// watched branch everything the people wrote stays untouched.

import git, { type TreeEntry } from "isomorphic-git";
import { STATUS_DIR, STATUS_FILE } from "./commits.js";
import { GitAdapterError } from "./errors.js";
import type { Store } from "./objects.js";

interface Dir {
  readonly files: Map<string, string>;
  readonly dirs: Map<string, Dir>;
}

/** Paths the sink may write: STATUS.md and anything under status/. */
export function checkStatusPaths(files: ReadonlyMap<string, string>): void {
  for (const p of files.keys()) {
    const parts = p.split("/");
    const ok =
      p === STATUS_FILE ||
      (parts[0] === STATUS_DIR &&
        parts.length > 1 &&
        parts.every((x) => x !== "" && x !== "." && x !== ".."));
    if (!ok)
      throw new GitAdapterError(
        "git-config-invalid",
        `status may only write status/** and STATUS.md, not "${p}"`,
      );
  }
}

/** Write the blobs and trees of the new root tree; returns its id. */
export async function buildStatusTree(
  store: Store,
  baseTree: string | undefined,
  files: ReadonlyMap<string, string>,
): Promise<string> {
  const base = baseTree
    ? (await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid: baseTree })).tree
    : [];
  const entries: TreeEntry[] = base.filter((e) => e.path !== STATUS_DIR && e.path !== STATUS_FILE);
  const status: Dir = { files: new Map(), dirs: new Map() };
  for (const [p, content] of files) {
    if (p === STATUS_FILE) {
      entries.push({ mode: "100644", path: STATUS_FILE, oid: await writeBlob(store, content), type: "blob" });
      continue;
    }
    const parts = p.split("/").slice(1);
    let dir = status;
    for (const name of parts.slice(0, -1)) {
      let child = dir.dirs.get(name);
      if (!child) dir.dirs.set(name, (child = { files: new Map(), dirs: new Map() }));
      dir = child;
    }
    dir.files.set(parts[parts.length - 1] ?? "", content);
  }
  if (status.files.size > 0 || status.dirs.size > 0) {
    entries.push({ mode: "040000", path: STATUS_DIR, oid: await writeDir(store, status), type: "tree" });
  }
  return git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree: entries });
}

async function writeDir(store: Store, dir: Dir): Promise<string> {
  const entries: TreeEntry[] = [];
  for (const [name, content] of dir.files) {
    entries.push({ mode: "100644", path: name, oid: await writeBlob(store, content), type: "blob" });
  }
  for (const [name, child] of dir.dirs) {
    entries.push({ mode: "040000", path: name, oid: await writeDir(store, child), type: "tree" });
  }
  return git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree: entries });
}

function writeBlob(store: Store, content: string): Promise<string> {
  return git.writeBlob({ fs: store.fs, gitdir: store.gitdir, blob: new TextEncoder().encode(content) });
}
