// One-file ustar archives: what Docker's putArchive takes to place a file in a
// container, and what getArchive gives back. Written here (40 lines) rather
// than pulling in a tar package.

function field(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value.slice(0, length), offset, length, "ascii");
}

function octal(n: number, length: number): string {
  return n.toString(8).padStart(length - 1, "0") + "\0";
}

/** A tar stream holding one regular file `name` (no directories, name < 100 bytes). */
export function singleFileTar(name: string, content: string, mode = 0o644): Buffer {
  return Buffer.concat([
    fileEntry({ name, content: Buffer.from(content, "utf8"), mode }),
    Buffer.alloc(1024, 0),
  ]);
}

export interface TarFile {
  /** Path inside the archive (no leading "/"), < 100 bytes; Docker makes missing parent folders. */
  readonly name: string;
  readonly content: Buffer;
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** A tar stream of regular files. */
export function filesTar(files: readonly TarFile[]): Buffer {
  return Buffer.concat([...files.map(fileEntry), Buffer.alloc(1024, 0)]);
}

function fileEntry(f: TarFile): Buffer {
  const { name, mode } = f;
  const data = f.content;
  const header = Buffer.alloc(512, 0);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(mode, 8));
  field(header, 108, 8, octal(f.uid ?? 0, 8));
  field(header, 116, 8, octal(f.gid ?? 0, 8));
  field(header, 124, 12, octal(data.length, 12));
  field(header, 136, 12, octal(0, 12)); // mtime 0: the archive is a pure function of its content
  field(header, 148, 8, "        "); // checksum counts as spaces while it is computed
  field(header, 156, 1, "0");
  field(header, 257, 6, "ustar\0");
  field(header, 263, 2, "00");
  let sum = 0;
  for (const b of header) sum += b;
  field(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
  return Buffer.concat([header, data, padding]);
}

/** The content of the first regular file of a ustar archive (getArchive of one file). */
export function firstFileOfTar(tar: Buffer): string | undefined {
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
    const type = header[156] ?? 0;
    if (type === 0x30 || type === 0) return tar.subarray(at + 512, at + 512 + size).toString("utf8");
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
