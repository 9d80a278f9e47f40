import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InflateError, Inflater, objectId } from "../../../../src/adapters/git/inflate.js";

describe.each([
  ["one zlib engine for every object", {}],
  ["an engine per object (where Node's handle is not there)", { reuse: false }],
])("Inflater, %s", (_, options) => {
  it("inflates stream after stream, each followed by other bytes, and says where each ended", () => {
    const inflater = new Inflater(options);
    const objects = [
      Buffer.from("kind: Service\nname: web\n"),
      randomBytes(70_000),
      Buffer.alloc(0),
      Buffer.from("x"),
    ];
    const streams = objects.map((o) => deflateSync(o));
    const pack = Buffer.concat([...streams, Buffer.from("trailing bytes")]);
    let at = 0;
    objects.forEach((o, i) => {
      const { data, used } = inflater.inflate(pack.subarray(at), o.length);
      expect(data.equals(o)).toBe(true);
      expect(used).toBe(streams[i]?.length);
      at += used;
    });
  });

  it("tells a stream cut short (Z_BUF_ERROR: the rest may not be written yet) from a corrupt one, and keeps working after either", () => {
    const inflater = new Inflater(options);
    const text = Buffer.from("a".repeat(5000) + randomBytes(3000).toString("hex"));
    const stream = deflateSync(text);
    const cut = (): unknown => inflater.inflate(stream.subarray(0, stream.length - 10), text.length);
    expect(cut).toThrow(InflateError);
    try {
      cut();
    } catch (err) {
      expect((err as InflateError).code).toBe("Z_BUF_ERROR");
    }
    const corrupt = Buffer.from(stream);
    corrupt[corrupt.length - 2] = (corrupt[corrupt.length - 2] ?? 0) ^ 0xff; // the Adler-32 check
    let error: unknown;
    try {
      inflater.inflate(corrupt, text.length);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InflateError);
    expect((error as InflateError).code).not.toBe("Z_BUF_ERROR");
    expect(inflater.inflate(stream, text.length).data.equals(text)).toBe(true);
  });

  it("refuses an object longer than its pack header says", () => {
    const inflater = new Inflater(options);
    const stream = deflateSync(Buffer.from("0123456789"));
    expect(() => inflater.inflate(stream, 9)).toThrow(/more than 9 bytes/);
    expect(inflater.inflate(stream, 10).data.toString()).toBe("0123456789");
  });
});

describe("objectId", () => {
  it("is git's object id, for small objects and for those hashed in parts", () => {
    for (const data of [Buffer.alloc(0), Buffer.from("hello\n"), randomBytes(200_000)]) {
      const expected = createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
      expect(objectId("blob", data)).toBe(expected);
    }
    expect(objectId("blob", Buffer.from("hello\n"))).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
  });
});
