// Inflating a pack's objects, one zlib stream each, through ONE zlib engine
// reset between objects. `inflateSync` builds and frees a zlib engine (and its
// 32 KiB window) per call: over the 20,000 small objects of a pack that was
// most of the time spent inflating, and the first calls, before the code is
// compiled, cost several times more. Node has no public API for resetting an
// engine between synchronous calls, so this drives the handle under its
// `Inflate` stream (the same calls `inflateSync` makes: `writeSync` with
// Z_FINISH into a buffer of the size the object's header gives); where that
// handle is not there (another Node), each object falls back to
// `inflateSync`. Either way the result is the same: the object's bytes, how
// many compressed bytes its stream took, or an error (a truncated stream is
// told apart: the rest of the pack may not be written yet).

import * as crypto from "node:crypto";
import { Inflate, constants as zlib, inflateSync } from "node:zlib";

export interface Inflated {
  /** The inflated bytes: a view into the inflater's buffer, valid until its next call (copy to keep it). */
  readonly data: Buffer;
  /** Compressed bytes the stream took (where the next object starts). */
  readonly used: number;
}

/** zlib's smallest output chunk. */
const MIN_CHUNK = 64;

interface Handle {
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

export class InflateError extends Error {
  constructor(
    message: string,
    /** Z_BUF_ERROR: the stream ends before its end (truncated input). */
    readonly code: string,
  ) {
    super(message);
  }
}

export class Inflater {
  private engine: { readonly handle: Handle; readonly state: Uint32Array } | undefined;
  private failure: InflateError | undefined;
  private out = Buffer.allocUnsafe(64 * 1024);

  /** `reuse: false`: an engine per object, as where Node's handle is not there (tests run both). */
  constructor(options: { readonly reuse?: boolean } = {}) {
    this.engine = options.reuse === false ? undefined : Inflater.open(this);
  }

  /**
   * Inflate one zlib stream at the start of `input`, which holds `size` bytes (the pack entry's
   * header says so). The output is exactly `size` bytes or this throws; a stream cut short throws
   * an InflateError with code Z_BUF_ERROR.
   */
  inflate(input: Buffer, size: number): Inflated {
    const engine = this.engine;
    if (engine === undefined) return fallback(input, size);
    const room = size + 1; // one byte more: an object longer than its header says is caught
    if (this.out.length < room) this.out = Buffer.allocUnsafe(Math.max(room, this.out.length * 2));
    this.failure = undefined;
    engine.handle.reset();
    engine.handle.writeSync(zlib.Z_FINISH, input, 0, input.length, this.out, 0, room);
    if (this.failure !== undefined) {
      const failure = this.failure as InflateError;
      // A zlib engine that failed is not used again (Node's own streams close it too).
      engine.handle.close();
      this.engine = Inflater.open(this);
      throw failure;
    }
    const produced = room - (engine.state[0] ?? 0);
    const used = input.length - (engine.state[1] ?? 0);
    if (produced === room) throw new InflateError(`more than ${size} bytes`, "Z_DATA_ERROR");
    return { data: this.out.subarray(0, produced), used };
  }

  close(): void {
    this.engine?.handle.close();
    this.engine = undefined;
  }

  private static open(owner: Inflater): { handle: Handle; state: Uint32Array } | undefined {
    const stream = new Inflate() as unknown as { _handle?: Partial<Handle>; _writeState?: unknown };
    const handle = stream._handle;
    const state = stream._writeState;
    if (
      handle === undefined ||
      typeof handle.writeSync !== "function" ||
      typeof handle.reset !== "function" ||
      typeof handle.close !== "function" ||
      !(state instanceof Uint32Array)
    )
      return undefined;
    // Errors come through this callback, synchronously, during writeSync.
    handle.onerror = (message: string, _errno: number, code?: string) => {
      owner.failure = new InflateError(message, code ?? "Z_DATA_ERROR");
    };
    return { handle: handle as Handle, state };
  }
}

/** One engine per object (`inflateSync`), where the reused one is not available. */
function fallback(input: Buffer, size: number): Inflated {
  try {
    const r = inflateSync(input, { info: true, chunkSize: Math.max(MIN_CHUNK, size + 1) }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (r.buffer.length > size) throw new InflateError(`more than ${size} bytes`, "Z_DATA_ERROR");
    return { data: r.buffer, used: r.engine.bytesWritten };
  } catch (err) {
    if (err instanceof InflateError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new InflateError(
      err instanceof Error ? err.message : String(err),
      typeof code === "string" ? code : "Z_DATA_ERROR",
    );
  }
}

/** Objects up to this size are hashed in one call, header and bytes copied into one buffer. */
const ONE_SHOT_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(ONE_SHOT_BYTES + 32);

/**
 * A Git object's id: the SHA-1 of "<type> <size>\0" and its bytes. Small objects are hashed in
 * one call (`crypto.hash`, where Node has it) instead of a Hash object each: over the 20,000
 * objects of a pack the Hash objects cost more than the hashing.
 */
export function objectId(type: string, data: Uint8Array): string {
  const header = `${type} ${data.length}\0`;
  // crypto.hash is Node 20.12 and later.
  if (typeof crypto.hash !== "function" || data.length > ONE_SHOT_BYTES)
    return crypto.createHash("sha1").update(header).update(data).digest("hex");
  const n = scratch.write(header, 0, "latin1");
  scratch.set(data, n);
  return crypto.hash("sha1", scratch.subarray(0, n + data.length), "hex");
}
