// Reads a GitOps repository from a directory into the map the spec loader
// takes (the same shape a Git tree gives), as the operator reads a commit:
// only cluster.yaml, services/**/*.y(a)ml and the stacks' folders (stacks/<stack>/:
// the Compose file, its .env and the files it names), never through a symbolic link
// (lstat, and O_NOFOLLOW when opening), and sizes checked before any byte is
// read, so a huge stray file cannot exhaust memory and a link pointing out of
// the repository (say at /etc/shadow) is reported without being read.

import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RepoFile, RepoFiles } from "../../model/spec.js";
import { budgetFiles, CLUSTER_FILE, DEFAULT_SPEC_LIMITS, roleOf, type SpecLimits } from "../../spec/index.js";

export class RepoDirError extends Error {
  readonly code = "repo-dir-unreadable";
}

/** A spec file found in the directory, not read yet. */
interface Found {
  readonly rel: string;
  readonly size: number;
  readonly symlink: boolean;
}

export async function readRepoDir(dir: string, limits: SpecLimits = DEFAULT_SPEC_LIMITS): Promise<RepoFiles> {
  // The directory itself is what the user named (stat: following it is theirs to decide).
  const root = await stat(dir).catch((e: unknown) => {
    throw new RepoDirError(`cannot read ${dir}: ${reason(e)}`);
  });
  if (!root.isDirectory()) throw new RepoDirError(`${dir} is not a directory`);
  const found: Found[] = [];
  const cluster = await lstatOrUndefined(join(dir, CLUSTER_FILE));
  if (cluster !== undefined && (cluster.isFile() || cluster.isSymbolicLink()))
    found.push({ rel: CLUSTER_FILE, size: cluster.size, symlink: cluster.isSymbolicLink() });
  found.push(...(await specFilesUnder(dir, "services")));
  found.push(...(await specFilesUnder(dir, "stacks")));
  const files = new Map<string, RepoFile>();
  // Present or not, for the loader's "rename cluster.yml" hint; never read.
  if ((await lstatOrUndefined(join(dir, "cluster.yml"))) !== undefined) files.set("cluster.yml", "");
  const verdicts = budgetFiles(
    found.filter((f) => !f.symlink).map((f) => [f.rel, f.size] as const),
    limits,
  );
  for (const f of found) {
    const verdict = f.symlink ? "symlink" : (verdicts.get(f.rel) ?? "read");
    if (verdict === "read") files.set(f.rel, await readNoFollow(join(dir, f.rel), limits.maxFileBytes));
    else files.set(f.rel, { unread: verdict, size: f.symlink ? 0 : f.size });
  }
  // Other YAML files by name only (never read): the loader warns that they are ignored.
  for (const rel of await strayYamlFiles(dir, "", 0)) if (!files.has(rel)) files.set(rel, EMPTY);
  return files;
}

const EMPTY = new Uint8Array(0);
/** How deep stray YAML files are looked for: a misnamed folder sits near the top. */
const STRAY_DEPTH = 3;
/** Not the repository's specs: its own tooling, the operator's status output, vendored code. */
const NOT_SPECS = new Set(["services", "status", "node_modules"]);

/** YAML files outside cluster.yaml and services/, skipping hidden folders (.github, .git) and NOT_SPECS; links never entered. */
async function strayYamlFiles(root: string, sub: string, depth: number): Promise<string[]> {
  const entries = await readdir(join(root, sub), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
    if (entry.isDirectory()) {
      if (depth + 1 < STRAY_DEPTH && !(sub === "" && NOT_SPECS.has(entry.name)))
        out.push(...(await strayYamlFiles(root, rel, depth + 1)));
    } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name) && rel !== "cluster.yaml") {
      out.push(rel);
    }
  }
  return out.sort();
}

/** Spec files below `sub` (a relative posix path); symbolic links are listed as such, never entered. */
async function specFilesUnder(root: string, sub: string): Promise<Found[]> {
  const top = await lstatOrUndefined(join(root, sub));
  if (top === undefined) return [];
  if (top.isSymbolicLink()) return [{ rel: sub, size: 0, symlink: true }];
  if (!top.isDirectory()) return [];
  const entries = await readdir(join(root, sub), { withFileTypes: true }).catch((e: unknown) => {
    throw new RepoDirError(`cannot read ${join(root, sub)}: ${reason(e)}`);
  });
  const out: Found[] = [];
  for (const entry of entries) {
    const rel = `${sub}/${entry.name}`;
    if (entry.isSymbolicLink()) out.push({ rel, size: 0, symlink: true });
    else if (entry.isDirectory()) out.push(...(await specFilesUnder(root, rel)));
    else if (entry.isFile() && roleOf(rel) !== undefined) {
      const st = await lstatOrUndefined(join(root, rel));
      if (st?.isFile()) out.push({ rel, size: st.size, symlink: false });
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** At most `max + 1` bytes (the loader reports a file that grew past the limit), never through a link. */
async function readNoFollow(path: string, max: number): Promise<RepoFile> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if (isCode(e, "ELOOP")) return { unread: "symlink", size: 0 }; // replaced by a link since the listing
    throw new RepoDirError(`cannot read ${path}: ${reason(e)}`);
  }
  try {
    const buffer = new Uint8Array(max + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.slice(0, filled);
  } catch (e) {
    throw new RepoDirError(`cannot read ${path}: ${reason(e)}`);
  } finally {
    await handle.close();
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (isCode(e, "ENOENT") || isCode(e, "ENOTDIR")) return undefined;
    throw new RepoDirError(`cannot read ${path}: ${reason(e)}`);
  }
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === code;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
