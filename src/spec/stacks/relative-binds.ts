// Bind mounts of paths beside the Compose file (`./data:/data`,
// `./nginx.conf:/etc/nginx/nginx.conf:ro`), as docker compose resolves them
// against the Compose file's folder. That folder is not on the hosts, so each
// becomes what it stands for across hosts:
// - a file or folder of the stack's folder in the commit → its files, placed
//   in each container before it starts (as configs are; read-only copies:
//   what the process writes there stays in the container);
// - a path the commit does not hold (a data folder docker compose would
//   create) → a host-local named volume `<stack>_<path>` (the replica binds to
//   the host it first runs on, as with any named volume).
// Each is a warning at the entry saying which. A path that leaves the stack's
// folder is refused, saying what to write instead.

import { posix } from "node:path";
import type { RepoFile, ServiceFile, SourceRef, VolumeDecl } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import { isUnread } from "../files.js";
import { STACKS_DIR } from "../limits.js";
import type { YamlDoc } from "../parse.js";
import { locate } from "../positions.js";
import { stackResourceName } from "./names.js";

export type RelativeBind =
  | { readonly kind: "volume"; readonly name: string }
  | { readonly kind: "files"; readonly files: readonly ServiceFile[] }
  /** Reported where it was found. */
  | { readonly kind: "refused" };

/** Most files one bind of a repository folder may place. */
const MAX_FILES = 100;
const OPTIONS = new Set(["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface Bind {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A volumes: entry that binds a relative path, or undefined. */
function relativeBind(entry: unknown): Bind | undefined {
  if (typeof entry === "string") {
    const parts = entry.split(":");
    const last = parts[parts.length - 1] ?? "";
    const options = parts.length > 2 && last.split(",").every((o) => OPTIONS.has(o)) ? last.split(",") : [];
    if (options.length > 0) parts.pop();
    const [source, target] = parts;
    if (parts.length !== 2 || source === undefined || target === undefined || !source.startsWith("."))
      return undefined;
    return { source, target, readOnly: options.includes("ro") };
  }
  if (!isRecord(entry) || entry["type"] !== "bind") return undefined;
  const source = entry["source"];
  const target = entry["target"];
  if (typeof source !== "string" || typeof target !== "string" || !source.startsWith(".")) return undefined;
  return { source, target, readOnly: entry["read_only"] === true };
}

/** Name of the volume a data path stands for: `./data/db` → `data-db`. */
function volumeKey(path: string): string {
  return (
    path
      .replace(/^[./]+/, "")
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "") || "data"
  );
}

/**
 * The service's relative bind mounts by their index in its volumes: list; the named volumes they
 * stand for are added to `decls` (unless the Compose file declares one of that name).
 */
// eslint-disable-next-line max-lines-per-function -- each short and long form of a relative bind mount, read and checked in one place
export function relativeBinds(
  doc: YamlDoc,
  stack: string,
  volumes: unknown,
  data: ReadonlyMap<string, RepoFile>,
  decls: Record<string, VolumeDecl>,
  problems: Problems,
  readOnlyRoot = false,
): Map<number, RelativeBind> {
  const out = new Map<number, RelativeBind>();
  if (!Array.isArray(volumes)) return out;
  const dir = `${STACKS_DIR}${stack}`;
  volumes.forEach((entry: unknown, i) => {
    const bind = relativeBind(entry);
    if (bind === undefined) return;
    const at = locate(doc, ["volumes", i]);
    const path = posix.normalize(posix.join(dir, bind.source));
    if (path !== dir && !path.startsWith(`${dir}/`)) {
      problems.add(
        at,
        "relative-bind-mount",
        `volumes[${i}]: "${bind.source}" leaves the stack's folder ${dir}/: a repository file must be in the stack's folder to be placed in the container (as a config), and data belongs in a named volume ("${volumeKey(bind.source)}:${bind.target}" declared under the top-level volumes:)`,
      );
      out.set(i, { kind: "refused" });
      return;
    }
    const files = filesAt(path, data);
    if (files.length === 0) {
      const key = volumeKey(bind.source);
      const name = stackResourceName(stack, key);
      decls[name] ??= { driver: "local", driverOpts: {}, recreatable: false, source: at };
      out.set(i, { kind: "volume", name });
      problems.warn(
        at,
        "bind-mount-mapped",
        `volumes[${i}]: "${bind.source}" is not in the commit, so it is data: it is the host-local named volume ${name} (docker compose would make the folder beside the Compose file); the replica stays on the host where it first runs`,
      );
      return;
    }
    if (readOnlyRoot) {
      problems.add(
        at,
        "relative-bind-mount",
        `volumes[${i}]: "${bind.source}" is in the commit and would be copied into the container, which Docker refuses with read_only: true: drop read_only, or bake the file into the image`,
      );
      out.set(i, { kind: "refused" });
      return;
    }
    const placed = placeFiles(files, path, bind, at, i, problems);
    if (placed === undefined) {
      out.set(i, { kind: "refused" });
      return;
    }
    out.set(i, { kind: "files", files: placed });
    problems.warn(
      at,
      "bind-mount-mapped",
      `volumes[${i}]: "${bind.source}" is in the commit: ${placed.length === 1 && files[0]?.[0] === path ? "the file is" : `its ${placed.length} files are`} copied into each container at ${bind.target} before it starts (as a config; a change replaces the replicas, and what the process writes there stays in the container)`,
    );
  });
  return out;
}

/** The data files at `path`: the file itself, or those under the folder. */
function filesAt(path: string, data: ReadonlyMap<string, RepoFile>): [string, RepoFile][] {
  const file = data.get(path);
  if (file !== undefined) return [[path, file]];
  return [...data].filter(([p]) => p.startsWith(`${path}/`)).sort(([a], [b]) => (a < b ? -1 : 1));
}

function placeFiles(
  files: readonly [string, RepoFile][],
  path: string,
  bind: Bind,
  at: SourceRef,
  i: number,
  problems: Problems,
): ServiceFile[] | undefined {
  if (files.length > MAX_FILES) {
    problems.add(
      at,
      "relative-bind-mount",
      `volumes[${i}]: "${bind.source}" holds ${files.length} files; at most ${MAX_FILES} are copied into a container: bake them into the image, or put them in a named volume`,
    );
    return undefined;
  }
  const out: ServiceFile[] = [];
  for (const [p, content] of files) {
    if (isUnread(content)) {
      problems.add(
        at,
        "relative-bind-mount",
        `volumes[${i}]: ${p} ${content.unread === "symlink" ? "is a symbolic link; gitfleet never follows links: commit the file itself" : "is too large to be read within the commit's limits"}`,
      );
      return undefined;
    }
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
    const target = p === path ? bind.target : posix.join(bind.target, p.slice(path.length + 1));
    out.push({
      target: posix.normalize(target),
      contentBase64: bytes.toString("base64"),
      // Scripts beside a Compose file are often mounted to be run: keep them runnable.
      mode: bind.readOnly ? 0o555 : 0o755,
      uid: 0,
      gid: 0,
    });
  }
  return out;
}
