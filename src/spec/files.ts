// Which repository files are specs, and turning their bytes into text.
// Everything outside cluster.yaml and services/ is ignored; what is inside
// must be readable UTF-8 text of a sane size, or it is an error.

import type { RepoFiles, SourceRef } from "../model/spec.js";
import type { Problems } from "./errors.js";

/** Larger spec files are refused: no hand-written spec is this big. */
export const MAX_FILE_BYTES = 1024 * 1024;

export const CLUSTER_FILE = "cluster.yaml";
export const SERVICES_DIR = "services/";

export type FileRole = "cluster" | "service";

export interface SpecFile {
  readonly path: string;
  readonly role: FileRole;
  readonly text: string;
}

export interface SelectedFiles {
  readonly files: readonly SpecFile[];
  /** cluster.yaml exists (even when it could not be decoded). */
  readonly clusterPresent: boolean;
  /** Present but misnamed: worth a hint when cluster.yaml is missing. */
  readonly clusterYml: boolean;
}

export function selectSpecFiles(repo: RepoFiles, problems: Problems): SelectedFiles {
  const files: SpecFile[] = [];
  let clusterYml = false;
  let clusterPresent = false;
  const paths = [...repo.keys()].sort();
  for (const rawPath of paths) {
    const path = normalisePath(rawPath);
    if (path === "cluster.yml") clusterYml = true;
    const role = roleOf(path);
    if (role === "cluster") clusterPresent = true;
    const content = repo.get(rawPath);
    if (role === undefined || content === undefined) continue;
    const text = decode(path, content, problems);
    if (text !== undefined) files.push({ path, role, text });
  }
  return { files, clusterPresent, clusterYml };
}

function normalisePath(p: string): string {
  return p.replace(/^(?:\.\/|\/)+/, "");
}

function roleOf(path: string): FileRole | undefined {
  if (path === CLUSTER_FILE) return "cluster";
  if (path.startsWith(SERVICES_DIR) && /\.ya?ml$/i.test(path)) return "service";
  return undefined;
}

function decode(path: string, content: string | Uint8Array, problems: Problems): string | undefined {
  const start: SourceRef = { path, line: 1, col: 1 };
  const size = typeof content === "string" ? Buffer.byteLength(content, "utf8") : content.byteLength;
  if (size > MAX_FILE_BYTES) {
    problems.add(
      start,
      "file-too-large",
      `file is ${formatBytes(size)}; spec files may be at most ${formatBytes(MAX_FILE_BYTES)} (split it, or move data out of Git)`,
    );
    return undefined;
  }
  let text: string;
  if (typeof content === "string") {
    text = content;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
      problems.add(
        start,
        "binary-file",
        "file is not UTF-8 text (is it a binary file?); spec files must be YAML",
      );
      return undefined;
    }
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    problems.add(
      { path, ...lineCol(text, nul) },
      "binary-file",
      "file contains a NUL byte (is it a binary file?); spec files must be YAML text",
    );
    return undefined;
  }
  return text;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${n} bytes`;
}
