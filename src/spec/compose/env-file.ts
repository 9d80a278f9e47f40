// A service's `env_file:` with Compose's meaning, read from the commit: each
// file (relative to the document's folder) holds `KEY=value` lines in the
// `.env` format; later files win over earlier ones, and `environment:` wins
// over them all. A path may not leave the repository, and only files the
// loader reads are there to be named (a stack's own folder; variables files
// under services/ for services/ documents), within the same size limits.
// `required: false` lets a missing file go, as in Compose. The values are the
// container's environment: they reach Docker, never status (values of
// secret-named variables are also kept out of messages).

import { posix } from "node:path";
import type { RepoFile, SourceRef } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import { isUnread } from "../files.js";
import type { YamlDoc } from "../parse.js";
import { locate, type PathSegment } from "../positions.js";
import { parseDotEnv, type DotEnvProblem } from "./dotenv.js";
import type { VariableLookup } from "./interpolate.js";

export interface EnvFileScope {
  /** The folder the paths are relative to (the document's), posix, relative to the repository root. */
  readonly dir: string;
  /** The folder a file must be under to be read (a stack's folder, or services/), with a trailing "/". */
  readonly root: string;
  /** What the folder is, for messages ("the stack's folder stacks/shop/"). */
  readonly rootName: string;
  readonly files: ReadonlyMap<string, RepoFile>;
  /** Variables for `${VAR}` in the files (and for bare `KEY` lines). */
  readonly lookup: VariableLookup;
}

export interface EnvFromFiles {
  /** The variables, in the order the files set them (a later file wins). */
  readonly values: Readonly<Record<string, string>>;
  /** Where each came from: its env_file entry in the document (for messages about the key). */
  readonly at: Readonly<Record<string, SourceRef>>;
  /** Values of secret-named variables, to keep out of messages. */
  readonly secretValues: readonly string[];
}

interface Entry {
  readonly path: string;
  readonly required: boolean;
  readonly format?: string;
  readonly at: readonly PathSegment[];
}

const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|CERT|SALT|COOKIE|SESSION|DSN/i;

export function readEnvFiles(
  doc: YamlDoc,
  raw: unknown,
  scope: EnvFileScope,
  problems: Problems,
): EnvFromFiles | undefined {
  if (raw === undefined || raw === null) return undefined;
  const entries = envFileEntries(doc, raw, problems);
  const values: Record<string, string> = {};
  const at: Record<string, SourceRef> = {};
  const secretValues: string[] = [];
  for (const e of entries) {
    const where = locate(doc, e.at);
    const text = readFile(e, scope);
    if (text.kind === "missing" && !e.required) continue;
    if (text.kind !== "text") {
      problems.add(where, "bad-env-file", `env_file "${e.path}": ${text.message}`);
      continue;
    }
    const parsed = e.format === "raw" ? rawFormat(text.text) : parseDotEnv(text.text, scope.lookup);
    for (const p of parsed.problems)
      problems.add({ path: text.path, line: p.line, col: p.col }, p.code, p.message);
    for (const [key, value] of parsed.values) {
      values[key] = value;
      at[key] = where;
      if (SECRET_NAME.test(key) && value.length >= 4) secretValues.push(value);
    }
  }
  return { values, at, secretValues };
}

function envFileEntries(doc: YamlDoc, raw: unknown, problems: Problems): Entry[] {
  if (typeof raw === "string") return [{ path: raw, required: true, at: ["env_file"] }];
  const shape =
    'env_file must be a path, or a list of paths or of {path, required, format} entries (e.g. env_file: [".env.app"])';
  if (!Array.isArray(raw)) {
    problems.add(locate(doc, ["env_file"]), "schema", shape);
    return [];
  }
  const out: Entry[] = [];
  raw.forEach((item: unknown, i) => {
    if (typeof item === "string") {
      out.push({ path: item, required: true, at: ["env_file", i] });
      return;
    }
    const record = typeof item === "object" && item !== null && !Array.isArray(item) ? item : undefined;
    const path = (record as Record<string, unknown> | undefined)?.["path"];
    const required = (record as Record<string, unknown> | undefined)?.["required"] ?? true;
    const format = (record as Record<string, unknown> | undefined)?.["format"];
    const unknown = Object.keys(record ?? {}).filter((k) => !["path", "required", "format"].includes(k));
    if (
      typeof path !== "string" ||
      typeof required !== "boolean" ||
      (format !== undefined && format !== "raw") ||
      unknown.length > 0
    ) {
      problems.add(
        locate(doc, ["env_file", i]),
        "schema",
        `env_file[${i}]: ${shape}; format may only be "raw"`,
      );
      return;
    }
    out.push({
      path,
      required,
      ...(format === "raw" && { format }),
      at: ["env_file", i],
    });
  });
  return out;
}

type Read =
  | { kind: "text"; path: string; text: string }
  | { kind: "missing"; message: string }
  | { kind: "refused"; message: string };

function readFile(e: Entry, scope: EnvFileScope): Read {
  if (posix.isAbsolute(e.path))
    return {
      kind: "refused",
      message: "an absolute path: name a file of the repository, relative to this file",
    };
  const path = posix.normalize(posix.join(scope.dir, e.path));
  if (path === ".." || path.startsWith("../"))
    return { kind: "refused", message: "the path leaves the repository: env files are read from the commit" };
  if (!path.startsWith(scope.root))
    return {
      kind: "refused",
      message: `${path} is outside ${scope.rootName}: env files are read from there only (move the file, or copy its variables)`,
    };
  const content = scope.files.get(path);
  if (content === undefined)
    return {
      kind: "missing",
      message: `${path} is not in the commit (add it, or mark the entry required: false)`,
    };
  if (isUnread(content)) {
    const why =
      content.unread === "symlink"
        ? "is a symbolic link; gitfleet never follows links: commit the file itself"
        : "is too large to be read within the commit's limits";
    return { kind: "refused", message: `${path} ${why}` };
  }
  if (typeof content === "string") return { kind: "text", path, text: content };
  try {
    return { kind: "text", path, text: new TextDecoder("utf-8", { fatal: true }).decode(content) };
  } catch {
    return { kind: "refused", message: `${path} is not UTF-8 text` };
  }
}

/** `format: raw`: KEY=value lines taken literally (no quotes, no interpolation). */
function rawFormat(text: string): {
  values: Map<string, string>;
  problems: DotEnvProblem[];
} {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((line) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  });
  return { values, problems: [] };
}
