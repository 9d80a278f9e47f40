// render(input) → the status files, path → content. Pure and deterministic.

import type { StatusEvent } from "./event-log.js";
import { renderMarkdown, MARKDOWN_FILE, type SectionMemo } from "./markdown.js";
import { summarise, type ServiceSummary, type StatusModel, type SummaryMemo } from "./summarise.js";
import type { StatusInput } from "./types.js";
import { CLUSTER_FILE, clusterDoc, serviceDoc, serviceFile, toYaml } from "./yaml-files.js";

export interface Rendered {
  readonly files: ReadonlyMap<string, string>;
  readonly model: StatusModel;
}

/**
 * What a render keeps of each service to the next (status-memo.ts): its summary while what it
 * is made from holds the same data, and its YAML file and Markdown section while its summary
 * (and, for the file, its events) are the same.
 */
export interface ServiceMemo extends SummaryMemo, SectionMemo {
  serviceText(s: ServiceSummary, events: readonly StatusEvent[] | undefined, make: () => string): string;
  keepOnly(services: readonly ServiceSummary[]): void;
}

export function renderStatus(input: StatusInput, memo?: YamlMemo, services?: ServiceMemo): Rendered {
  const model = summarise(input, services);
  const files = new Map<string, string>();
  const yaml = (path: string, doc: unknown): string => memo?.text(path, doc) ?? toYaml(doc);
  files.set(CLUSTER_FILE, yaml(CLUSTER_FILE, clusterDoc(input, model)));
  for (const s of model.services) {
    const path = serviceFile(s.name);
    const make = (): string => yaml(path, serviceDoc(input, s));
    files.set(path, services?.serviceText(s, input.events.rings[s.name], make) ?? make());
  }
  files.set(MARKDOWN_FILE, renderMarkdown(input, model, services));
  memo?.keepOnly(files);
  services?.keepOnly(model.services);
  return { files, model };
}

/** Just the files (what the StatusSink takes). */
export function render(input: StatusInput, memo?: YamlMemo, services?: ServiceMemo): Map<string, string> {
  return new Map(renderStatus(input, memo, services).files);
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
