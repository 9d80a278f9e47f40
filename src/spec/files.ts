// Which repository files are specs, and turning their bytes into text.
// Everything outside cluster.yaml, services/**/*.y(a)ml and stacks/<stack>/ is
// ignored; a spec must be readable UTF-8 text within the size limits, and a
// regular file: a reader reports a symbolic link instead of following it. The
// other files of a stack's folder are data (.env, env files, configs): kept as
// the reader gave them, judged only when the stack's Compose file names them.

import type { RepoFile, RepoFiles, SourceRef, UnreadFile } from "../model/spec.js";
import type { Problems } from "./errors.js";
import {
  budgetFiles,
  formatBytes,
  roleOf,
  SERVICES_DIR,
  STACKS_DIR,
  type FileRole,
  type SpecLimits,
} from "./limits.js";

export { CLUSTER_FILE, SERVICES_DIR, STACKS_DIR, type FileRole } from "./limits.js";

export interface SpecFile {
  readonly path: string;
  readonly role: Exclude<FileRole, "stack-file">;
  readonly text: string;
}

export interface SelectedFiles {
  readonly files: readonly SpecFile[];
  /** The stacks' data files (stacks/<stack>/..., not the Compose file), as read or why not. */
  readonly stackData: ReadonlyMap<string, RepoFile>;
  /** cluster.yaml exists (even when it could not be read or decoded). */
  readonly clusterPresent: boolean;
  /** Present but misnamed: worth a hint when cluster.yaml is missing. */
  readonly clusterYml: boolean;
}

// eslint-disable-next-line max-lines-per-function -- sorts a commit's files into roles and budgets them in one walk
export function selectSpecFiles(repo: RepoFiles, problems: Problems, limits: SpecLimits): SelectedFiles {
  let clusterYml = false;
  let clusterPresent = false;
  const specs: [path: string, role: SpecFile["role"], content: RepoFile][] = [];
  const stackData = new Map<string, RepoFile>();
  for (const [rawPath, content] of repo) {
    const path = normalisePath(rawPath);
    if (path === "cluster.yml") clusterYml = true;
    const role = roleOf(path);
    if (role === "cluster") clusterPresent = true;
    if (role === "stack-file") stackData.set(path, content);
    else if (role !== undefined) specs.push([path, role, content]);
    // A link to a directory of specs (services/, services/sub, stacks/) is refused like a link to a file.
    else if (isUnread(content) && content.unread === "symlink" && underServices(path))
      specs.push([path, "service", content]);
    else if (isUnread(content) && content.unread === "symlink" && underStacks(path))
      specs.push([path, "stack", content]);
  }
  const dataVerdicts = budgetFiles(
    [...specs.map(([path, , content]) => [path, sizeOf(content)] as const), ...dataSizes(stackData)],
    limits,
  );
  for (const [path, content] of stackData) {
    const verdict = dataVerdicts.get(path);
    if (verdict !== undefined && verdict !== "read" && !isUnread(content))
      stackData.set(path, { unread: verdict, size: sizeOf(content) });
  }
  specs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const verdicts = budgetFiles(
    specs.map(([path, , content]) => [path, sizeOf(content)] as const),
    limits,
  );
  const files: SpecFile[] = [];
  for (const [path, role, content] of specs) {
    const start: SourceRef = { path, line: 1, col: 1 };
    if (isUnread(content) && content.unread === "symlink") {
      problems.add(
        start,
        "symlink",
        "is a symbolic link; gitfleet never follows links: commit the file itself",
      );
      continue;
    }
    const verdict = verdicts.get(path);
    if (verdict === "too-large" || (isUnread(content) && content.unread === "too-large")) {
      const size = sizeOf(content);
      problems.add(
        start,
        "file-too-large",
        `file is ${formatBytes(size)}; spec files may be at most ${formatBytes(limits.maxFileBytes)} (split it, or move data out of Git)`,
      );
      continue;
    }
    if (verdict === "over-budget" || isUnread(content)) {
      problems.add(
        start,
        "commit-too-large",
        `the spec files of this commit pass ${formatBytes(limits.maxCommitBytes)} with this file (${formatBytes(sizeOf(content))}); a commit may hold at most that much`,
      );
      continue;
    }
    const text = decode(path, content, problems);
    if (text !== undefined) files.push({ path, role, text });
  }
  return { files, stackData, clusterPresent, clusterYml };
}

function dataSizes(data: ReadonlyMap<string, RepoFile>): (readonly [string, number])[] {
  return [...data].filter(([, c]) => !isUnread(c)).map(([path, c]) => [path, sizeOf(c)] as const);
}

function underStacks(path: string): boolean {
  return path === STACKS_DIR.slice(0, -1) || path.startsWith(STACKS_DIR);
}

export function isUnread(content: RepoFile): content is UnreadFile {
  return typeof content === "object" && !(content instanceof Uint8Array);
}

export function sizeOf(content: RepoFile): number {
  if (typeof content === "string") return Buffer.byteLength(content, "utf8");
  return content instanceof Uint8Array ? content.byteLength : content.size;
}

function underServices(path: string): boolean {
  return path === SERVICES_DIR.slice(0, -1) || path.startsWith(SERVICES_DIR);
}

function normalisePath(p: string): string {
  return p.replace(/^(?:\.\/|\/)+/, "");
}

export function decode(path: string, content: string | Uint8Array, problems: Problems): string | undefined {
  let text: string;
  if (typeof content === "string") {
    text = content;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
      problems.add(
        { path, line: 1, col: 1 },
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
