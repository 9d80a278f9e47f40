// The size of a loose object from its header ("blob 1234\0"), inflating only
// the first bytes of the file: a 400 MB blob is never read to learn that it is
// too large to read.

import { open } from "node:fs/promises";
import path from "node:path";
import { inflatePrefix } from "./pack-reader.js";

const HEADER_MAX = 32;
const READ_MAX = 64 * 1024;

/** Undefined when the object is not stored loose (or its header cannot be read). */
export async function looseObjectSize(gitdir: string, oid: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(path.join(gitdir, "objects", oid.slice(0, 2), oid.slice(2)), "r");
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(READ_MAX);
    const { bytesRead } = await handle.read(buffer, 0, READ_MAX, 0);
    const head = inflatePrefix(buffer.subarray(0, bytesRead), HEADER_MAX);
    const m = /^(?:blob|tree|commit|tag) (\d+)\0/.exec(head.toString("latin1", 0, HEADER_MAX));
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } finally {
    await handle.close();
  }
}
