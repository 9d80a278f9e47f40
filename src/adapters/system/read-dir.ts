// Reads a GitOps repository from a directory into the map the spec loader
// takes (the same shape a Git tree gives). Only the files the loader looks at
// are read, and each at most one byte past the loader's size limit, so a huge
// stray file cannot exhaust memory yet is still reported as too large.

import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RepoFiles } from "../../model/spec.js";
import { MAX_FILE_BYTES } from "../../spec/index.js";

export class RepoDirError extends Error {
  readonly code = "repo-dir-unreadable";
}

export async function readRepoDir(dir: string): Promise<RepoFiles> {
  const info = await stat(dir).catch((e: unknown) => {
    throw new RepoDirError(`cannot read ${dir}: ${reason(e)}`);
  });
  if (!info.isDirectory()) throw new RepoDirError(`${dir} is not a directory`);
  const files = new Map<string, Uint8Array>();
  for (const name of ["cluster.yaml", "cluster.yml"]) {
    const content = await readCapped(join(dir, name));
    if (content !== undefined) files.set(name, content);
  }
  for (const rel of await yamlFilesUnder(dir, "services")) {
    const content = await readCapped(join(dir, rel));
    if (content !== undefined) files.set(rel, content);
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

/** YAML files outside cluster.yaml and services/, skipping hidden folders (.github, .git) and NOT_SPECS. */
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

/** Relative posix paths of *.yaml / *.yml files below `sub`; symlinked directories are not followed. */
async function yamlFilesUnder(root: string, sub: string): Promise<string[]> {
  const entries = await readdir(join(root, sub), { withFileTypes: true }).catch((e: unknown) => {
    if (isCode(e, "ENOENT") || isCode(e, "ENOTDIR")) return [];
    throw new RepoDirError(`cannot read ${join(root, sub)}: ${reason(e)}`);
  });
  const out: string[] = [];
  for (const entry of entries) {
    const rel = `${sub}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await yamlFilesUnder(root, rel)));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

async function readCapped(path: string): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    if (isCode(e, "ENOENT")) return undefined;
    throw new RepoDirError(`cannot read ${path}: ${reason(e)}`);
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = new Uint8Array(MAX_FILE_BYTES + 1);
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

function isCode(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === code;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
