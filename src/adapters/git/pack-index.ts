// Indexes a pack file as it is written, reading it back from disk: a pack of
// any size is indexed holding only the object being read and a bounded cache
// of delta bases, never the pack. Each object is inflated by Node's native
// zlib, which also says how many compressed bytes it took, so the next object
// starts there. Objects are hashed as they arrive, deltas too (their base is
// earlier in the pack, often still in the cache); a delta whose base is named
// by an id not seen yet waits for the end. Writes a version-2 .idx, as
// `git index-pack` does.

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

interface Entry {
  readonly offset: number;
  readonly crc: number;
  oid?: string;
  type?: ObjectType;
  /** Deltas only: where the compressed delta starts, and its base (an offset, or an id). */
  readonly dataAt?: number;
  readonly base?: number | string;
  readonly end: number;
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
      const head = this.read(0, 12);
      if (head.toString("latin1", 0, 4) !== "PACK") throw new Error("not a pack file");
      if (head.readUInt32BE(4) !== 2)
        throw new Error(`pack version ${head.readUInt32BE(4)} is not supported`);
      this.total = head.readUInt32BE(8);
    }
    const end = complete ? available - 20 : available;
    while (this.entries.length < this.total && this.pos < end) {
      if (!this.next(end, complete)) return;
    }
  }

  /** Resolve deltas and write the .idx; returns the pack's id (its trailing checksum). */
  finish(idxFile: string, onProgress?: (p: IndexProgress) => void): string {
    try {
      if (this.total === undefined || this.entries.length !== this.total) {
        throw new Error(`pack ends after ${this.entries.length} of ${this.total ?? "?"} objects`);
      }
      const deltas = this.entries.filter((e) => e.oid === undefined);
      deltas.forEach((e, i) => {
        this.resolve(e);
        if ((i & 255) === 0) onProgress?.({ phase: "resolving", loaded: i, total: deltas.length });
      });
      if (deltas.length > 0)
        onProgress?.({ phase: "resolving", loaded: deltas.length, total: deltas.length });
      const trailer = this.read(this.pos, 20);
      writeFileSync(idxFile, idxV2(this.entries, trailer));
      return trailer.toString("hex");
    } finally {
      this.close();
    }
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
  private next(end: number, complete: boolean): boolean {
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
      entry = { offset, crc, dataAt, base, end: entryEnd };
      // A base named by offset is always earlier in the pack: resolve the delta now, while it is
      // in memory and the network is the one working. A base named by id may come later.
      const baseAt = typeof base === "number" ? base : this.byId.get(base);
      if (baseAt !== undefined) {
        const b = this.objectAt(baseAt);
        const object = { type: b.type, data: applyDelta(b.data, data) };
        entry.type = object.type;
        entry.oid = objectId(object.type, object.data);
        this.remember(offset, object);
      }
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
  }

  private objectAt(offset: number): { type: ObjectType; data: Buffer } {
    const hit = this.cache.get(offset);
    if (hit !== undefined) return hit;
    const e = this.byOffset.get(offset);
    if (e === undefined) throw new Error(`no object at ${offset} in the pack`);
    let object: { type: ObjectType; data: Buffer };
    if (e.base === undefined) {
      const head = this.read(offset, Math.min(32, e.end - offset));
      let p = 1;
      while ((head[p - 1] ?? 0) & 0x80) p++;
      object = { type: e.type ?? "blob", data: inflateSync(this.read(offset + p, e.end - offset - p)) };
    } else {
      const baseOffset = typeof e.base === "number" ? e.base : this.offsetOf(e.base);
      const base = this.objectAt(baseOffset);
      const delta = inflateSync(this.read(e.dataAt ?? 0, e.end - (e.dataAt ?? 0)));
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

  private read(at: number, length: number): Buffer {
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
