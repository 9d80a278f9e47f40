// Indexes a pack file as it is written, reading it back from disk: a pack of
// any size is indexed holding only the object being read and a bounded cache
// of delta bases, never the pack. Each object is inflated as it arrives (one
// zlib engine for all, inflate.ts), which also says how many compressed bytes
// it took, so the next object starts there; whole objects are hashed then.
// Deltas (most objects of a pack) are kept inflated (within a budget) and
// resolved later: the objects the caller reads before the index is complete
// (a commit's spec files) are found by resolving only deltas of their type,
// from where the last one was found (git writes a tree's entries after it);
// the rest are resolved in `resolveSome` steps, which the caller runs while
// the spec loader parses on another thread. Every object handed out was
// hashed here: its id is computed, never taken on trust. Writes a version-2
// .idx, as `git index-pack` does.

import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { crc32, inflateSync } from "node:zlib";
import { type Inflated, InflateError, Inflater, objectId } from "./inflate.js";
import { applyDelta, type ObjectType } from "./pack-reader.js";

const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Recent objects kept as delta bases (the bound on what indexing holds besides one object). */
const BASE_CACHE_BYTES = 16 * 1024 * 1024;
/** Bytes read at an entry's start: its header and, for most objects, all of its data. */
const READ_AHEAD = 4096;
/** How much of the file is read at once while indexing. */
const WINDOW_BYTES = 256 * 1024;
/** Inflated deltas kept for their resolution; past this they are read and inflated again then. */
const DELTA_BYTES = 16 * 1024 * 1024;

interface Entry {
  readonly offset: number;
  readonly crc: number;
  oid?: string;
  type?: ObjectType;
  /** Deltas only: where the compressed delta starts, and its base (an offset, or an id). */
  readonly dataAt?: number;
  readonly base?: number | string;
  readonly end: number;
  /** Deltas only, until resolved: the inflated delta, when it fit the budget. */
  delta?: Buffer | undefined;
}

export interface IndexProgress {
  readonly phase: "receiving" | "resolving";
  readonly loaded: number;
  readonly total: number;
}

export class PackIndexer {
  private readonly fd: number;
  private readonly entries: Entry[] = [];
  private readonly byOffset = new Map<number, Entry>();
  private readonly byId = new Map<string, number>();
  private total: number | undefined;
  private pos = 12;
  private cache = new Map<number, { type: ObjectType; data: Buffer }>();
  private cacheBytes = 0;
  private buffer = Buffer.allocUnsafe(1 << 20);
  /** The part of the file `buffer` holds. */
  private window = { start: 0, length: 0 };
  /** One zlib engine for every object (inflate.ts). */
  private readonly inflater = new Inflater();
  /** Bytes of inflated deltas kept (`Entry.delta`). */
  private deltaBytes = 0;
  /** Where the last object read before the index was complete was found (`read`). */
  private cursor = 0;
  /** The next entry `resolveSome` looks at. */
  private next = 0;
  /** Deltas in the pack, and how many are resolved. */
  private deltas = 0;
  private resolved = 0;

  constructor(private readonly file: string) {
    this.fd = openSync(file, "r");
  }

  /** Objects in the pack (known once its header is written). */
  get count(): number | undefined {
    return this.total;
  }

  get indexed(): number {
    return this.entries.length;
  }

  /**
   * Index every object wholly written by now (`available` bytes of the file);
   * `complete` when nothing more will come (then a truncated object is an error).
   */
  advance(available: number, complete: boolean): void {
    if (this.total === undefined) {
      if (available < 12) return;
      const head = this.readBytes(0, 12);
      if (head.toString("latin1", 0, 4) !== "PACK") throw new Error("not a pack file");
      if (head.readUInt32BE(4) !== 2)
        throw new Error(`pack version ${head.readUInt32BE(4)} is not supported`);
      this.total = head.readUInt32BE(8);
    }
    const end = complete ? available - 20 : available;
    while (this.entries.length < this.total && this.pos < end) {
      if (!this.nextEntry(end, complete)) return;
    }
  }

  /**
   * The object `oid` (of type `type`, when given: only deltas of that type are resolved to find
   * it) in the complete pack, resolving as few deltas as it takes; undefined when the pack holds
   * none. Its id was computed from its bytes here.
   */
  read(oid: string, type?: ObjectType): { readonly type: ObjectType; readonly data: Buffer } | undefined {
    this.checkComplete();
    let at = this.byId.get(oid);
    if (at === undefined) at = this.search(oid, type);
    if (at === undefined) {
      // Not among the chains known to end in `type` (a delta on a base named by an id not
      // resolved yet): only resolving everything can tell.
      while (!this.resolveSome(4096));
      at = this.byId.get(oid);
    }
    if (at === undefined) return undefined;
    this.cursor = this.position(at);
    const object = this.objectAt(at);
    return type === undefined || object.type === type ? object : undefined;
  }

  /**
   * Resolve up to `budget` of the deltas not resolved yet, in pack order (a delta's base is
   * earlier, most often still in the cache); true when none is left.
   */
  resolveSome(budget: number, onProgress?: (p: IndexProgress) => void): boolean {
    this.checkComplete();
    let done = 0;
    while (this.next < this.entries.length && done < budget) {
      const e = this.entries[this.next++] as Entry;
      if (e.oid !== undefined) continue;
      this.resolve(e);
      done += 1;
    }
    if (this.deltas > 0) onProgress?.({ phase: "resolving", loaded: this.resolved, total: this.deltas });
    return this.next >= this.entries.length;
  }

  /** Resolve what is left and write the .idx; returns the pack's id (its trailing checksum). */
  finish(idxFile: string, onProgress?: (p: IndexProgress) => void): string {
    try {
      while (!this.resolveSome(4096, onProgress));
      const trailer = this.readBytes(this.pos, 20);
      writeFileSync(idxFile, idxV2(this.entries, trailer));
      return trailer.toString("hex");
    } finally {
      this.close();
    }
  }

  private checkComplete(): void {
    if (this.total === undefined || this.entries.length !== this.total) {
      throw new Error(`pack ends after ${this.entries.length} of ${this.total ?? "?"} objects`);
    }
  }

  /**
   * Resolve deltas whose chain ends in an object of `type`, from where the last search stopped
   * (wrapping around), until one is `oid`; its offset, or undefined when none is.
   */
  private search(oid: string, type: ObjectType | undefined): number | undefined {
    const n = this.entries.length;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const e = this.entries[i] as Entry;
      if (e.oid !== undefined) continue;
      const chain = this.chainType(e);
      if (chain === undefined || (type !== undefined && chain !== type)) continue;
      this.resolve(e);
      if (e.oid === oid) return e.offset;
    }
    return undefined;
  }

  /** The entry at `offset`'s place in the pack (entries are in offset order). */
  private position(offset: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as Entry).offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The type of the object a delta chain ends in (a delta's type is its base's), when known yet. */
  private chainType(e: Entry): ObjectType | undefined {
    if (e.type !== undefined) return e.type;
    const at = typeof e.base === "number" ? e.base : e.base !== undefined ? this.byId.get(e.base) : undefined;
    const base = at === undefined ? undefined : this.byOffset.get(at);
    const type = base === undefined ? undefined : this.chainType(base);
    if (type !== undefined) e.type = type;
    return type;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.cache.clear();
    this.inflater.close();
  }

  /** One object at `pos`; false when it is not wholly written yet. */
  // eslint-disable-next-line max-lines-per-function -- one pack object's header, delta base and inflate, parsed in the pack format's order
  private nextEntry(end: number, complete: boolean): boolean {
    const offset = this.pos;
    // The entry's header, and for most objects all of it, in one read.
    const head = this.scratch(offset, Math.min(READ_AHEAD, end - offset));
    let p = 0;
    let c = head[p++] ?? 0;
    const type = (c >> 4) & 7;
    let size = c & 0x0f;
    let shift = 4;
    while (c & 0x80) {
      c = head[p++] ?? 0;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let base: number | string | undefined;
    if (type === OFS_DELTA) {
      c = head[p++] ?? 0;
      let back = c & 0x7f;
      while (c & 0x80) {
        c = head[p++] ?? 0;
        back = ((back + 1) << 7) | (c & 0x7f);
      }
      base = offset - back;
    } else if (type === REF_DELTA) {
      base = head.toString("hex", p, p + 20);
      p += 20;
    }
    if (p > head.length) return this.truncated(complete, offset);
    const dataAt = offset + p;
    // zlib's worst case: stored blocks, 5 bytes per 16 KiB, plus the stream's header and checksum.
    // Until the pack is complete, wait for that much: inflating a part again and again would cost
    // the square of a large object's size.
    const worst = size + (size >>> 10) + 64;
    if (!complete && end - dataAt < worst) return false;
    // The entry's header and its compressed data in one reused buffer: the CRC covers both.
    const length = p + Math.min(end - dataAt, worst);
    const entryBytes = length <= head.length ? head.subarray(0, length) : this.scratch(offset, length);
    let inflated: Inflated;
    try {
      inflated = this.inflater.inflate(entryBytes.subarray(p), size);
    } catch (err) {
      if (err instanceof InflateError && err.code === "Z_BUF_ERROR") return this.truncated(complete, offset);
      throw new Error(`object at ${offset}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const entryEnd = dataAt + inflated.used;
    const crc = crc32(entryBytes.subarray(0, entryEnd - offset));
    // A view into the inflater's buffer: used before the next object, copied where it is kept.
    const data = inflated.data;
    if (data.length !== size)
      throw new Error(`object at ${offset}: ${data.length} bytes, header says ${size}`);
    let entry: Entry;
    if (base === undefined) {
      const t = TYPES[type];
      if (t === undefined) throw new Error(`object at ${offset}: unknown type ${type}`);
      entry = { offset, crc, oid: objectId(t, data), type: t, end: entryEnd };
      this.remember(offset, { type: t, data: Buffer.from(data) });
    } else {
      // Resolved later (`read`, `resolveSome`): most of a pack is deltas, and which of them are
      // needed first is known only once the pack is complete.
      entry = { offset, crc, dataAt, base, end: entryEnd };
      if (this.deltaBytes + size <= DELTA_BYTES) {
        entry.delta = Buffer.from(data);
        this.deltaBytes += size;
      }
      this.deltas += 1;
    }
    this.entries.push(entry);
    this.byOffset.set(offset, entry);
    if (entry.oid !== undefined) this.byId.set(entry.oid, offset);
    this.pos = entryEnd;
    return true;
  }

  private truncated(complete: boolean, offset: number): false {
    if (complete) throw new Error(`pack truncated in the object at ${offset}`);
    return false;
  }

  private resolve(e: Entry): void {
    const object = this.objectAt(e.offset);
    e.type = object.type;
    e.oid = objectId(object.type, object.data);
    this.byId.set(e.oid, e.offset);
    if (e.delta !== undefined) {
      this.deltaBytes -= e.delta.length;
      e.delta = undefined;
    }
    this.resolved += 1;
  }

  private objectAt(offset: number): { type: ObjectType; data: Buffer } {
    const hit = this.cache.get(offset);
    if (hit !== undefined) return hit;
    const e = this.byOffset.get(offset);
    if (e === undefined) throw new Error(`no object at ${offset} in the pack`);
    let object: { type: ObjectType; data: Buffer };
    if (e.base === undefined) {
      const head = this.readBytes(offset, Math.min(32, e.end - offset));
      let p = 1;
      while ((head[p - 1] ?? 0) & 0x80) p++;
      object = { type: e.type ?? "blob", data: inflateSync(this.readBytes(offset + p, e.end - offset - p)) };
    } else {
      const baseOffset = typeof e.base === "number" ? e.base : this.offsetOf(e.base);
      const base = this.objectAt(baseOffset);
      const delta = e.delta ?? inflateSync(this.readBytes(e.dataAt ?? 0, e.end - (e.dataAt ?? 0)));
      object = { type: base.type, data: applyDelta(base.data, delta) };
    }
    this.remember(offset, object);
    return object;
  }

  private offsetOf(oid: string): number {
    const at = this.byId.get(oid);
    if (at === undefined)
      throw new Error(`delta base ${oid} is not in the pack (thin packs are not asked for)`);
    return at;
  }

  private remember(offset: number, object: { type: ObjectType; data: Buffer }): void {
    if (object.data.length > BASE_CACHE_BYTES / 4) return;
    this.cache.set(offset, object);
    this.cacheBytes += object.data.length;
    for (const [k, v] of this.cache) {
      if (this.cacheBytes <= BASE_CACHE_BYTES) break;
      this.cache.delete(k);
      this.cacheBytes -= v.data.length;
    }
  }

  /**
   * `length` bytes at `at` (fewer at the end of what is written), in a buffer reused from
   * object to object (valid until the next call). The file is read a window at a time:
   * most objects are a few dozen bytes, and a read of their own each was most of the time
   * spent indexing. What a window holds was on disk when it was read, and a pack file is
   * only ever appended to, so it stays true.
   */
  private scratch(at: number, length: number): Buffer {
    const w = this.window;
    if (at >= w.start && at + length <= w.start + w.length)
      return this.buffer.subarray(at - w.start, at - w.start + length);
    const want = Math.max(length, WINDOW_BYTES);
    if (this.buffer.length < want) this.buffer = Buffer.allocUnsafe(Math.max(want, this.buffer.length * 2));
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, this.buffer, got, want - got, at + got);
      if (n === 0) break;
      got += n;
    }
    this.window = { start: at, length: got };
    return this.buffer.subarray(0, Math.min(got, length));
  }

  private readBytes(at: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(Math.max(0, length));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  }
}

/** Version-2 index: magic, version, fanout, sorted ids, CRCs, 31-bit offsets, 64-bit offsets, checksums. */
function idxV2(entries: readonly Entry[], packChecksum: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => ((a.oid ?? "") < (b.oid ?? "") ? -1 : 1));
  const n = sorted.length;
  const large = sorted.filter((e) => e.offset >= 0x80000000);
  const out = Buffer.alloc(8 + 256 * 4 + n * 28 + large.length * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  const fanout = new Uint32Array(256);
  for (const e of sorted) {
    const first = parseInt((e.oid ?? "00").slice(0, 2), 16);
    fanout[first] = (fanout[first] ?? 0) + 1;
  }
  let acc = 0;
  for (let i = 0; i < 256; i++) {
    acc += fanout[i] ?? 0;
    out.writeUInt32BE(acc, 8 + i * 4);
  }
  const ids = 8 + 256 * 4;
  const crcs = ids + n * 20;
  const offsets = crcs + n * 4;
  const wide = offsets + n * 4;
  let w = 0;
  sorted.forEach((e, i) => {
    out.write(e.oid ?? "", ids + i * 20, "hex");
    out.writeUInt32BE(e.crc >>> 0, crcs + i * 4);
    if (e.offset < 0x80000000) out.writeUInt32BE(e.offset, offsets + i * 4);
    else {
      out.writeUInt32BE((0x80000000 | w) >>> 0, offsets + i * 4);
      out.writeBigUInt64BE(BigInt(e.offset), wide + w * 8);
      w++;
    }
  });
  const tail = wide + large.length * 8;
  packChecksum.copy(out, tail);
  createHash("sha1")
    .update(out.subarray(0, tail + 20))
    .digest()
    .copy(out, tail + 20);
  return out;
}
