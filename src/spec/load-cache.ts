// What a load keeps for the next one: each spec file's parse (its documents,
// their kinds and the problems found) by path and blob id, and each Service
// document's validation and normalisation. A new commit then parses only the
// files whose blob changed and normalises only their documents (all of them
// when cluster.yaml changed: its deploy defaults and positions feed every
// service); the rules that span documents run on every load, on the cached
// results. Problems are replayed in the order a fresh load reports them, so
// a cached load's result is exactly a fresh load's (property-tested).
// Entries not used by the last load are dropped: the cache holds about one
// commit's documents.

import type { EnvFromFiles } from "./compose/env-file.js";
import type { LoadedService } from "./normalise-service.js";
import type { VolumeDecl } from "../model/spec.js";
import type { YamlDoc } from "./parse.js";
import type { ProblemLog } from "./problem-log.js";
import type { StackService } from "./stacks/load-stacks.js";

export interface FileEntry {
  readonly clusterDocs: readonly YamlDoc[];
  /** Service documents: of services/ files, or the views of a stack's Compose file. */
  readonly serviceDocs: readonly YamlDoc[];
  /** A Compose file's services (scope of each view document) and named volumes. */
  readonly stackServices: readonly StackService[];
  readonly stackVolumes: Readonly<Record<string, VolumeDecl>>;
  /** The env_file variables of each service document that names env files. */
  readonly docEnv: ReadonlyMap<YamlDoc, EnvFromFiles>;
  readonly problems: ProblemLog["entries"];
}

export interface ServiceEntry {
  /** The cluster document the service was normalised under (its defaults), and whether its name was first. */
  readonly cluster: YamlDoc | undefined;
  readonly first: boolean;
  readonly loaded: LoadedService | undefined;
  readonly problems: ProblemLog["entries"];
}

export class SpecLoadCache {
  private files = new Map<string, FileEntry>();
  private used = new Map<string, FileEntry>();
  private services = new WeakMap<YamlDoc, ServiceEntry>();
  private options: string | undefined;
  /** Files parsed and documents normalised by the last load (the rest came from the cache). */
  stats = { filesParsed: 0, servicesNormalised: 0 };

  /** Start a load under these options (ceiling and limits): entries made under others are dropped. */
  begin(optionsKey: string): void {
    if (optionsKey !== this.options) {
      this.files.clear();
      this.services = new WeakMap();
      this.options = optionsKey;
    }
    this.used = new Map();
    this.stats = { filesParsed: 0, servicesNormalised: 0 };
  }

  file(key: string, make: () => FileEntry): FileEntry {
    let entry = this.used.get(key) ?? this.files.get(key);
    if (entry === undefined) {
      entry = make();
      this.stats.filesParsed += 1;
    }
    this.used.set(key, entry);
    return entry;
  }

  service(
    doc: YamlDoc,
    cluster: YamlDoc | undefined,
    first: boolean,
    make: () => ServiceEntry,
  ): ServiceEntry {
    const cached = this.services.get(doc);
    if (cached !== undefined && cached.cluster === cluster && cached.first === first) return cached;
    const entry = make();
    this.stats.servicesNormalised += 1;
    this.services.set(doc, entry);
    return entry;
  }

  /** End the load: only what it used is kept. */
  end(): void {
    this.files = this.used;
    this.used = new Map();
  }
}
