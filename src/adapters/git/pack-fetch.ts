// The first fetch into an empty cache, streamed to disk: one upload-pack
// request for a shallow history (over HTTP, or over SSH on the channel that
// advertised the refs: the bytes are the same), its side-band demultiplexed as it arrives,
// the pack written to a file and indexed from that file while it grows
// (pack-index.ts), so memory does not grow with the pack. isomorphic-git's
// fetch collects the whole pack in memory (twice over) and inflates every
// object in JavaScript to index it; later fetches are small and still go
// through it. Progress (objects received / total, then deltas resolved) is
// reported as git's own clone reports it. The pack's checksum is verified when
// it has arrived; its index is completed after (`resolveSome`, `install`):
// the objects the caller needs first are read from it before (`read`, each
// one's id computed from its bytes), so loading the specs need not wait for
// every delta of the pack to be resolved.

import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { Errors } from "isomorphic-git";
import type { StreamingResponse } from "./http-client.js";
import { type IndexProgress, PackIndexer } from "./pack-index.js";
import type { ObjectType, RawObject } from "./pack-reader.js";

export interface SyncProgress extends IndexProgress {
  /** Pack bytes received so far. */
  readonly bytes: number;
}

/** Sends an upload-pack request and streams the answer (over HTTP: a POST; over SSH: the channel). */
export type UploadPackPost = (request: Buffer) => Promise<StreamingResponse>;

export interface PackFetchOptions {
  readonly post: UploadPackPost;
  /** The object asked for (a commit, or a tag naming one). */
  readonly want: string;
  readonly depth: number;
  /** objects/pack of the cache. */
  readonly packDir: string;
  readonly onProgress?: (p: SyncProgress) => void;
}

export interface PackFetchResult {
  /** Commits whose parents were cut off (the cache's shallow file). */
  readonly shallows: readonly string[];
  readonly objects: number;
  readonly bytes: number;
  /**
   * An object of the pack (of `type`, when given), resolving only the deltas it takes; its id
   * was computed from its bytes. Undefined when the pack holds no such object.
   */
  read(oid: string, type?: ObjectType): RawObject | undefined;
  /** Resolve up to `budget` more of the pack's deltas; true when all are. */
  resolveSome(budget: number): boolean;
  /** Resolve what is left, write the index, move pack and index into place; returns pack-<id>. */
  install(): string;
  /** Remove the pack and its index, not installed (after a failure). */
  discard(): void;
}

function pkt(line: string): Buffer {
  const body = Buffer.from(line, "utf8");
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, "0"), "latin1"), body]);
}

const FLUSH = Buffer.from("0000", "latin1");

export async function fetchPackToDisk(o: PackFetchOptions): Promise<PackFetchResult> {
  const request = Buffer.concat([
    pkt(`want ${o.want} side-band-64k ofs-delta shallow agent=git/gitfleet\n`),
    pkt(`deepen ${o.depth}\n`),
    FLUSH,
    pkt("done\n"),
  ]);
  const res = await o.post(request);
  if (res.statusCode !== 200) {
    for await (const _ of res.body) void _; // drain, so the connection is freed
    throw new Errors.HttpError(res.statusCode, res.statusMessage, "");
  }
  const tmp = path.join(o.packDir, `tmp-${randomBytes(6).toString("hex")}`);
  const out = openSync(`${tmp}.pack`, "w");
  const receiver = new PackReceiver(out, new PackIndexer(`${tmp}.pack`), o.onProgress);
  const discard = (): void => {
    receiver.abort();
    try {
      closeSync(out);
    } catch {
      // closed already
    }
    rmSync(`${tmp}.pack`, { force: true });
    rmSync(`${tmp}.idx`, { force: true });
  };
  try {
    for await (const chunk of res.body) receiver.push(chunk);
    closeSync(out);
    receiver.end();
  } catch (err) {
    discard();
    throw err;
  }
  return pendingPack(receiver, tmp, o.packDir, discard);
}

/** The received pack, its index completed on demand; installed under its name once complete. */
function pendingPack(
  receiver: PackReceiver,
  tmp: string,
  packDir: string,
  discard: () => void,
): PackFetchResult {
  return {
    shallows: receiver.shallows,
    objects: receiver.objects,
    bytes: receiver.bytes,
    read: (oid, type) => receiver.indexer.read(oid, type),
    resolveSome: (budget) => receiver.indexer.resolveSome(budget, receiver.resolving),
    install: () => {
      try {
        const pack = `pack-${receiver.indexer.finish(`${tmp}.idx`, receiver.resolving)}`;
        // The pack first, then its index: a reader that sees the index finds the pack.
        renameSync(`${tmp}.pack`, path.join(packDir, `${pack}.pack`));
        renameSync(`${tmp}.idx`, path.join(packDir, `${pack}.idx`));
        return pack;
      } catch (err) {
        discard();
        throw err;
      }
    },
    discard,
  };
}

/** The upload-pack response: shallow lines, the acknowledgement, then the pack on side-band 1. */
class PackReceiver {
  readonly shallows: string[] = [];
  bytes = 0;
  private state: "shallow" | "ack" | "pack" | "done" = "shallow";
  private pending: Buffer = Buffer.alloc(0);
  private readonly hash = createHash("sha1");
  /** The last 20 bytes received: the pack's checksum is not part of what it sums. */
  private tail: Buffer = Buffer.alloc(0);
  private lastReport = -1;

  constructor(
    private readonly fd: number,
    readonly indexer: PackIndexer,
    private readonly onProgress: ((p: SyncProgress) => void) | undefined,
  ) {}

  get objects(): number {
    return this.indexer.indexed;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    let wrote = false;
    while (this.pending.length - at >= 4) {
      const len = parseInt(this.pending.toString("latin1", at, at + 4), 16);
      if (Number.isNaN(len) || (len > 0 && len < 4)) throw new Error("malformed upload-pack response");
      if (len === 0) {
        at += 4;
        if (this.state === "shallow") this.state = "ack";
        else if (this.state === "pack") this.state = "done";
        continue;
      }
      if (this.pending.length - at < len) break;
      const payload = this.pending.subarray(at + 4, at + len);
      at += len;
      if (this.state === "pack") wrote = this.band(payload) || wrote;
      else this.line(payload.toString("utf8").trimEnd());
    }
    this.pending = this.pending.subarray(at);
    if (wrote) {
      this.indexer.advance(this.bytes, false);
      this.report(false);
    }
  }

  /** The whole pack has arrived: its checksum verified, every object inflated (deltas not resolved yet). */
  end(): void {
    if (this.state !== "done" && this.state !== "pack") throw new Error("upload-pack response ended early");
    const sum = this.hash.digest("hex");
    if (this.tail.length !== 20 || sum !== this.tail.toString("hex")) {
      throw new Error("the pack's checksum does not match its content");
    }
    this.indexer.advance(this.bytes, true);
    this.report(true);
  }

  /** Progress of resolving the deltas. */
  readonly resolving = (p: IndexProgress): void => this.onProgress?.({ ...p, bytes: this.bytes });

  abort(): void {
    this.indexer.close();
  }

  private line(text: string): void {
    if (text.startsWith("ERR ")) throw new Error(`the server refused the fetch: ${text.slice(4)}`);
    if (text.startsWith("shallow ")) this.shallows.push(text.slice(8));
    else if (text.startsWith("NAK") || text.startsWith("ACK")) this.state = "pack";
    // "unshallow" cannot come for an empty cache.
  }

  /** One side-band packet: pack data (true when written), progress text, or an error. */
  private band(payload: Buffer): boolean {
    const band = payload[0];
    const data = payload.subarray(1);
    if (band === 3) throw new Error(`the server failed the fetch: ${data.toString("utf8").trim()}`);
    if (band !== 1) return false;
    writeSync(this.fd, data, 0, data.length, this.bytes);
    this.bytes += data.length;
    if (data.length >= 20) {
      this.hash.update(this.tail);
      this.hash.update(data.subarray(0, data.length - 20));
      this.tail = Buffer.from(data.subarray(data.length - 20));
    } else {
      const all = Buffer.concat([this.tail, data]);
      if (all.length > 20) this.hash.update(all.subarray(0, all.length - 20));
      this.tail = Buffer.from(all.subarray(Math.max(0, all.length - 20)));
    }
    return true;
  }

  /** At every percent of the objects, as git prints it. */
  private report(force: boolean): void {
    if (this.onProgress === undefined) return;
    const percent = Math.floor((this.indexer.indexed * 100) / Math.max(1, this.indexer.count ?? 1));
    if (!force && percent === this.lastReport) return;
    this.lastReport = percent;
    this.onProgress({
      phase: "receiving",
      loaded: this.indexer.indexed,
      total: this.indexer.count ?? 0,
      bytes: this.bytes,
    });
  }
}
