// render(input) → the status files, path → content. Pure and deterministic.

import { renderMarkdown, MARKDOWN_FILE } from "./markdown.js";
import { summarise, type StatusModel } from "./summarise.js";
import type { StatusInput } from "./types.js";
import { CLUSTER_FILE, clusterDoc, serviceDoc, serviceFile, toYaml } from "./yaml-files.js";

export interface Rendered {
  readonly files: ReadonlyMap<string, string>;
  readonly model: StatusModel;
}

export function renderStatus(input: StatusInput, memo?: YamlMemo): Rendered {
  const model = summarise(input);
  const files = new Map<string, string>();
  const yaml = (path: string, doc: unknown): string => memo?.text(path, doc) ?? toYaml(doc);
  files.set(CLUSTER_FILE, yaml(CLUSTER_FILE, clusterDoc(input, model)));
  for (const s of model.services)
    files.set(serviceFile(s.name), yaml(serviceFile(s.name), serviceDoc(input, s)));
  files.set(MARKDOWN_FILE, renderMarkdown(input, model));
  memo?.keepOnly(files);
  return { files, model };
}

/** Just the files (what the StatusSink takes). */
export function render(input: StatusInput, memo?: YamlMemo): Map<string, string> {
  return new Map(renderStatus(input, memo).files);
}

/**
 * The YAML of each status file, kept with its document's JSON: a pass that changed nothing
 * stringifies no YAML (at 1,000 hosts, 10,000 replicas of YAML took most of a no-change pass).
 * The documents are plain JSON values (strings, numbers, booleans, arrays, objects), so equal
 * JSON is an equal document and an equal text. `finish` is applied once per new text.
 */
export class YamlMemo {
  private entries = new Map<string, { readonly json: string; readonly text: string }>();

  constructor(private readonly finish: (text: string) => string = (t) => t) {}

  text(path: string, doc: unknown): string {
    const json = JSON.stringify(doc);
    const known = this.entries.get(path);
    if (known?.json === json) return known.text;
    const text = this.finish(toYaml(doc));
    this.entries.set(path, { json, text });
    return text;
  }

  /** The document whose YAML is `text` (the last one kept for `path`), else undefined. */
  docOf(path: string, text: string): unknown {
    const known = this.entries.get(path);
    return known?.text === text ? JSON.parse(known.json) : undefined;
  }

  /** Forget the files a render no longer has. */
  keepOnly(files: ReadonlyMap<string, string>): void {
    for (const path of [...this.entries.keys()]) if (!files.has(path)) this.entries.delete(path);
  }
}
