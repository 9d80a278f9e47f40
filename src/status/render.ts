// render(input) → the status files, path → content. Pure and deterministic.

import { renderMarkdown, MARKDOWN_FILE } from "./markdown.js";
import { summarise, type StatusModel } from "./summarise.js";
import type { StatusInput } from "./types.js";
import { CLUSTER_FILE, clusterDoc, serviceDoc, serviceFile, toYaml } from "./yaml-files.js";

export interface Rendered {
  readonly files: ReadonlyMap<string, string>;
  readonly model: StatusModel;
}

export function renderStatus(input: StatusInput): Rendered {
  const model = summarise(input);
  const files = new Map<string, string>();
  files.set(CLUSTER_FILE, toYaml(clusterDoc(input, model)));
  for (const s of model.services) files.set(serviceFile(s.name), toYaml(serviceDoc(input, s)));
  files.set(MARKDOWN_FILE, renderMarkdown(input, model));
  return { files, model };
}

/** Just the files (what the StatusSink takes). */
export function render(input: StatusInput): Map<string, string> {
  return new Map(renderStatus(input).files);
}
