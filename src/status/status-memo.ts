// The status files kept from one render to the next. An idle operator's
// passes (the minute's Git poll) hand the renderer what they handed it the
// pass before: rendering all of it again (a YAML document and a Markdown
// table row per replica, 3,000 at 300 hosts) was most of such a pass's CPU
// and garbage. Rendering is pure, so an input with the same data gives the
// same files: they are kept with the input they came from.

import { render, YamlMemo } from "./render.js";
import { sameData } from "./same-data.js";
import type { StatusInput } from "./types.js";

/** What the last render did (for tests and benches: that an unchanged input renders nothing). */
export interface RenderWork {
  /** The input held the same data as the one before: its files were kept, nothing rendered. */
  readonly reused: boolean;
}

export class StatusMemo {
  /** Each YAML file's text, finished, kept while its document is unchanged (a render that changed little). */
  private readonly yaml: YamlMemo;
  private last: { readonly input: StatusInput; readonly files: ReadonlyMap<string, string> } | undefined;
  private work: RenderWork = { reused: false };

  /** `finish` is applied to every file's new text (the operator redacts credentials there). */
  constructor(private readonly finish: (text: string) => string = (t) => t) {
    this.yaml = new YamlMemo(finish);
  }

  get lastWork(): RenderWork {
    return this.work;
  }

  /** The files of `input`, each finished: render(input)'s with `finish` applied. */
  render(input: StatusInput): ReadonlyMap<string, string> {
    if (this.last !== undefined && sameData(input, this.last.input)) {
      this.work = { reused: true };
      return this.last.files;
    }
    const files = new Map<string, string>();
    // The YAML files come finished from the YAML memo; the Markdown is finished here.
    for (const [path, text] of render(input, this.yaml))
      files.set(path, path.endsWith(".md") ? this.finish(text) : text);
    this.last = { input, files };
    this.work = { reused: false };
    return files;
  }

  /** The document the YAML `text` of `path` was written from, when it is the last kept (else undefined). */
  docOf(path: string, text: string): unknown {
    return this.yaml.docOf(path, text);
  }
}
