// Reads objects straight out of the cache's pack files with Node's native
// zlib. isomorphic-git inflates in JavaScript and resolves every delta chain
// from scratch on each read (about 0.5 ms an object: 10 s for a 20,000-file
// tree); this reader inflates natively and keeps recent delta bases, which
// makes reading a whole large tree cost a fraction of fetching it. A pack is
// read where needed (positioned reads), never held: memory does not grow with
// the pack. Objects it cannot find (loose, or in a pack it has not seen) are
// left to the caller.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { constants as zlib, inflateSync } from "node:zlib";
import { Inflater, objectId } from "./inflate.js";

export type ObjectType = "commit" | "tree" | "blob" | "tag";
export interface RawObject {
  readonly type: ObjectType;
  readonly data: Buffer;
}

const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const OFS_DELTA = 6;
const REF_DELTA = 7;
const BASE_CACHE = 512;

/**
 * An open pack and its index, looked up in place (binary search): building maps of a
 * 20,000-object index cost 40 to 80 ms each time a pack was opened.
 */
interface Pack {
  readonly fd: number;
  readonly idx: Buffer;
  readonly count: number;
  /** Every object's offset, ascending, then where the last one ends (the pack's checksum). */
  readonly sorted: Float64Array;
}

const IDS = 8 + 256 * 4;
const HEX_ID = /^[0-9a-f]{40}$/;

/** Where object `oid` starts in the pack, from its index. */
function offsetOf(pack: Pack, oid: string): number | undefined {
  if (!HEX_ID.test(oid)) return undefined;
  const key = Buffer.from(oid, "hex");
  const { idx } = pack;
  const first = key[0] as number;
  let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = idx.readUInt32BE(8 + first * 4);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = IDS + mid * 20;
    const c = idx.compare(key, 0, 20, at, at + 20);
    if (c === 0) return offsetAt(pack, mid);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}

function offsetAt(pack: Pack, i: number): number {
  const { idx, count } = pack;
  const small = IDS + count * 24;
  const off = idx.readUInt32BE(small + i * 4);
  if (!(off & 0x80000000)) return off;
  return Number(idx.readBigUInt64BE(small + count * 4 + (off & 0x7fffffff) * 8));
}

/** Where the object starting at `offset` ends (the next object's offset). */
function endOf(pack: Pack, offset: number): number {
  const { sorted } = pack;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === offset) return sorted[mid + 1] as number;
    if (v < offset) lo = mid + 1;
    else hi = mid;
  }
  return offset;
}

/** Parse a tree object: entries of "mode name\0<20-byte id>". */
export function parseTree(data: Buffer): { path: string; oid: string; mode: string; type: string }[] {
  const entries = [];
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0) throw new Error("corrupt tree object");
    const mode = data.toString("latin1", p, space).padStart(6, "0");
    const type = mode.startsWith("04") ? "tree" : mode === "160000" ? "commit" : "blob";
    entries.push({
      mode,
      path: data.toString("utf8", space + 1, nul),
      oid: data.toString("hex", nul + 1, nul + 21),
      type,
    });
    p = nul + 21;
  }
  return entries;
}

/** An object of the cache whose bytes do not hash to its id. */
export class CorruptObjectError extends Error {
  constructor(
    readonly oid: string,
    pack: string,
  ) {
    super(`object ${oid} in the Git cache (${pack}) is corrupt: its content does not match its id`);
  }
}

export class PackReader {
  private packs = new Map<string, Pack>();
  private readonly inflater = new Inflater();
  private bases = new Map<string, RawObject>(); // "pack:offset" → object, LRU by insertion order

  constructor(private readonly gitdir: string) {}

  /** Pick up packs written or removed since the last refresh. */
  async refresh(): Promise<void> {
    const dir = path.join(this.gitdir, "objects", "pack");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".idx"));
    const live = new Set(names.map((n) => n.slice(0, -4)));
    for (const [name, pack] of this.packs) {
      if (live.has(name)) continue;
      closeSync(pack.fd);
      this.packs.delete(name);
    }
    for (const name of live) {
      if (this.packs.has(name)) continue;
      const pack = await loadPack(path.join(dir, name)).catch(() => undefined);
      if (pack) this.packs.set(name, pack);
    }
  }

  /**
   * The size of a packed object without inflating it: from the entry's header,
   * or for a delta from the target size at the start of the delta (a few
   * bytes inflated). Undefined when no known pack holds it.
   */
  size(oid: string): number | undefined {
    for (const pack of this.packs.values()) {
      const offset = offsetOf(pack, oid);
      if (offset === undefined) continue;
      const end = endOf(pack, offset);
      const buf = readAt(pack.fd, offset, Math.min(end - offset, 64 * 1024));
      let p = 0;
      let c = buf[p++] ?? 0;
      const type = (c >> 4) & 7;
      let size = c & 0x0f;
      let shift = 4;
      while (c & 0x80) {
        c = buf[p++] ?? 0;
        size += (c & 0x7f) * 2 ** shift;
        shift += 7;
      }
      if (type !== OFS_DELTA && type !== REF_DELTA) return size;
      if (type === OFS_DELTA) while ((buf[p++] ?? 0) & 0x80);
      else p += 20;
      const head = inflatePrefix(buf.subarray(p), 20);
      const [, afterSource] = varint(head, 0);
      return varint(head, afterSource)[0];
    }
    return undefined;
  }

  /** Let go of every pack (the reader may be refreshed again after). */
  close(): void {
    for (const pack of this.packs.values()) closeSync(pack.fd);
    this.packs.clear();
    this.bases.clear();
  }

  /**
   * The object `oid`, or undefined when no known pack holds it. What is handed out is verified:
   * its id is computed from what was read, and an object whose bytes do not hash to its id (a
   * damaged cache) is an error, never content.
   */
  read(oid: string): RawObject | undefined {
    for (const [name, pack] of this.packs) {
      const offset = offsetOf(pack, oid);
      if (offset === undefined) continue;
      const object = this.readAt(name, pack, offset);
      if (object !== undefined && objectId(object.type, object.data) !== oid) {
        this.bases.clear();
        throw new CorruptObjectError(oid, name);
      }
      return object;
    }
    return undefined;
  }

  private readAt(name: string, pack: Pack, offset: number): RawObject | undefined {
    const key = `${name}:${offset}`;
    const cached = this.bases.get(key);
    if (cached) return cached;
    const end = endOf(pack, offset);
    const buf = readAt(pack.fd, offset, end - offset);
    let p = 0;
    let c = buf[p++] ?? 0;
    const type = (c >> 4) & 7;
    let size = c & 0x0f;
    for (let shift = 4; c & 0x80; shift += 7) {
      c = buf[p++] ?? 0;
      size += (c & 0x7f) * 2 ** shift;
    }
    let base: RawObject | undefined;
    if (type === OFS_DELTA) {
      c = buf[p++] ?? 0;
      let back = c & 0x7f;
      while (c & 0x80) {
        c = buf[p++] ?? 0;
        back = ((back + 1) << 7) | (c & 0x7f);
      }
      base = this.readAt(name, pack, offset - back);
    } else if (type === REF_DELTA) {
      base = this.read(buf.subarray(p, p + 20).toString("hex"));
      p += 20;
    }
    // One zlib engine for every read (inflate.ts); its output is a view, copied where it is kept.
    const inflated = this.inflater.inflate(buf.subarray(p), size).data;
    if (inflated.length !== size)
      throw new Error(`object at ${offset} of ${name}: ${inflated.length} bytes, header says ${size}`);
    let object: RawObject | undefined;
    if (type === OFS_DELTA || type === REF_DELTA) {
      object = base ? { type: base.type, data: applyDelta(base.data, inflated) } : undefined;
    } else {
      const t = TYPES[type];
      object = t ? { type: t, data: Buffer.from(inflated) } : undefined;
    }
    if (object) this.remember(key, object);
    return object;
  }

  private remember(key: string, object: RawObject): void {
    this.bases.set(key, object);
    if (this.bases.size > BASE_CACHE) {
      const oldest = this.bases.keys().next().value;
      if (oldest !== undefined) this.bases.delete(oldest);
    }
  }
}

/** A version-2 pack index (header, fanout, ids, CRCs, 31-bit offsets, 64-bit offsets) and its pack. */
async function loadPack(base: string): Promise<Pack | undefined> {
  const idx = await readFile(`${base}.idx`);
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) return undefined;
  const count = idx.readUInt32BE(8 + 255 * 4);
  const fd = openSync(`${base}.pack`, "r");
  const pack: Pack = { fd, idx, count, sorted: new Float64Array(count + 1) };
  for (let i = 0; i < count; i++) pack.sorted[i] = offsetAt(pack, i);
  pack.sorted[count] = Number.MAX_VALUE; // sorts last; replaced by the end below
  pack.sorted.sort();
  pack.sorted[count] = fstatSync(fd).size - 20;
  return pack;
}

function readAt(fd: number, at: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

/**
 * At least `want` bytes from the start of a zlib stream (fewer only when the
 * stream is shorter), inflating as little of it as it takes: the input is
 * widened step by step, so the output stays small whatever the object's size.
 */
export function inflatePrefix(compressed: Buffer, want: number): Buffer {
  let out = Buffer.alloc(0);
  for (let take = 64; ; take *= 8) {
    const input = compressed.subarray(0, take);
    try {
      out = inflateSync(input, { finishFlush: zlib.Z_SYNC_FLUSH });
    } catch {
      // a truncated input may end mid-block; a wider one will not
    }
    if (out.length >= want || input.length === compressed.length) return out;
  }
}

function varint(buf: Buffer, start: number): [number, number] {
  let value = 0;
  let shift = 0;
  let p = start;
  let c: number;
  do {
    c = buf[p++] ?? 0;
    value += (c & 0x7f) * 2 ** shift;
    shift += 7;
  } while (c & 0x80);
  return [value, p];
}

/** Git's delta format: source size, target size, then copy and insert instructions. */
export function applyDelta(source: Buffer, delta: Buffer): Buffer {
  let [, p] = varint(delta, 0);
  const [size, start] = varint(delta, p);
  p = start;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  while (p < delta.length) {
    const op = delta[p++] ?? 0;
    if (op & 0x80) {
      let offset = 0;
      let length = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset |= (delta[p++] ?? 0) << (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) length |= (delta[p++] ?? 0) << (8 * i);
      if (length === 0) length = 0x10000;
      o += source.copy(out, o, offset >>> 0, (offset >>> 0) + length);
    } else if (op > 0) {
      o += delta.copy(out, o, p, p + op);
      p += op;
    } else {
      throw new Error("corrupt delta: opcode 0");
    }
  }
  if (o !== size) throw new Error(`corrupt delta: ${o} bytes instead of ${size}`);
  return out;
}
