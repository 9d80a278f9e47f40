// The part of a host's Docker engine that volumes need: observing our named
// volumes, and the pieces of a data move (helper containers on each side, the
// copy target, the superseded marker). Production wires it to the Docker
// adapter; drivers without it (fakes) have no volumes.

import type { ObservedVolume } from "../model/volumes.js";

export interface VolumeManifest {
  readonly bytes: number;
  readonly files: number;
  readonly sha256: string;
}

/** A running helper container with one volume mounted. */
export interface VolumeHelperPort {
  archive(): Promise<NodeJS.ReadableStream>;
  extract(tar: NodeJS.ReadableStream): Promise<void>;
  clear(): Promise<void>;
  manifest(): Promise<VolumeManifest>;
  close(): Promise<void>;
}

export interface CopyTarget {
  readonly volume: string;
  readonly source: string;
  readonly service: string;
  readonly slot: string;
  readonly from: string;
}

export interface VolumePort {
  /** Our named volumes on the host, with superseded marks. */
  list(): Promise<readonly ObservedVolume[]>;
  /** Bytes per volume name (costly). */
  sizes(): Promise<ReadonlyMap<string, number>>;
  openHelper(o: {
    readonly volume: string;
    readonly image: string;
    readonly readOnly: boolean;
    readonly side: "source" | "target";
    readonly timeoutMs: number;
  }): Promise<VolumeHelperPort>;
  prepareCopyTarget(t: CopyTarget): Promise<"created" | "reused">;
  markSuperseded(o: { readonly volume: string; readonly by: string; readonly image: string }): Promise<void>;
}
