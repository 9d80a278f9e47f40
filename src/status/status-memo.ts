// The status files kept from one render to the next. An idle operator's
// passes (the minute's Git poll) hand the renderer what they handed it the
// pass before: rendering all of it again (a YAML document and a Markdown
// table row per replica, 3,000 at 300 hosts) was most of such a pass's CPU
// and garbage. Rendering is pure, so an input with the same data gives the
// same files: they are kept with the input they came from. When something
// did change, each service's part is made again only when its own inputs
// changed (a replica's health: that service's file and Markdown section).

import type { ObservedReplica } from "../model/observed.js";
import type { StatusEvent } from "./event-log.js";
import { render, YamlMemo, type ServiceMemo } from "./render.js";
import { sameData } from "./same-data.js";
import type { ServiceSummary } from "./summarise.js";
import type { ServiceInput, StatusInput } from "./types.js";

/** What the last render did (for tests and benches: that an unchanged input renders nothing). */
export interface RenderWork {
  /** The input held the same data as the one before: its files were kept, nothing rendered. */
  readonly reused: boolean;
  /** The services summarised anew (their YAML file and Markdown section with them); the rest were kept. */
  readonly services: readonly string[];
}

interface KeptService {
  readonly input: ServiceInput | undefined;
  readonly replicas: readonly ObservedReplica[];
  readonly summary: ServiceSummary;
  text?: { readonly events: readonly StatusEvent[] | undefined; readonly text: string };
  section?: string;
}

/**
 * Each service's part of the last render, kept while what it is made from holds the same data:
 * when one replica's health changes, that service's summary, YAML file and Markdown section are
 * made again, the cluster-wide parts too, and no other service's.
 */
class ServiceParts implements ServiceMemo {
  private readonly kept = new Map<string, KeptService>();
  /** The services summarised anew since `begin`. */
  made: string[] = [];

  summary(
    name: string,
    input: ServiceInput | undefined,
    replicas: readonly ObservedReplica[],
    make: () => ServiceSummary,
  ): ServiceSummary {
    const k = this.kept.get(name);
    if (k !== undefined && sameData(input, k.input) && sameData(replicas, k.replicas)) return k.summary;
    const summary = make();
    this.kept.set(name, { input, replicas, summary });
    this.made.push(name);
    return summary;
  }

  serviceText(s: ServiceSummary, events: readonly StatusEvent[] | undefined, make: () => string): string {
    const k = this.of(s);
    if (k?.text !== undefined && sameData(events, k.text.events)) return k.text.text;
    const text = make();
    if (k !== undefined) k.text = { events, text };
    return text;
  }

  section(s: ServiceSummary, make: () => string): string {
    const k = this.of(s);
    if (k?.section !== undefined) return k.section;
    const section = make();
    if (k !== undefined) k.section = section;
    return section;
  }

  keepOnly(services: readonly ServiceSummary[]): void {
    const names = new Set(services.map((s) => s.name));
    for (const name of [...this.kept.keys()]) if (!names.has(name)) this.kept.delete(name);
  }

  /** What is kept for this very summary (a summary made anew has nothing kept yet). */
  private of(s: ServiceSummary): KeptService | undefined {
    const k = this.kept.get(s.name);
    return k?.summary === s ? k : undefined;
  }
}

export class StatusMemo {
  /** Each YAML file's text, finished, kept while its document is unchanged (a render that changed little). */
  private readonly yaml: YamlMemo;
  /** Each service's summary, YAML file and Markdown section (a render that changed little). */
  private readonly services = new ServiceParts();
  private last: { readonly input: StatusInput; readonly files: ReadonlyMap<string, string> } | undefined;
  private work: RenderWork = { reused: false, services: [] };

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
      this.work = { reused: true, services: [] };
      return this.last.files;
    }
    this.services.made = [];
    const files = new Map<string, string>();
    // The YAML files come finished from the YAML memo; the Markdown is finished here.
    for (const [path, text] of render(input, this.yaml, this.services))
      files.set(path, path.endsWith(".md") ? this.finish(text) : text);
    this.last = { input, files };
    this.work = { reused: false, services: this.services.made };
    return files;
  }

  /** The document the YAML `text` of `path` was written from, when it is the last kept (else undefined). */
  docOf(path: string, text: string): unknown {
    return this.yaml.docOf(path, text);
  }
}
