import { describe, expect, it } from "vitest";
import { firstFileOfTar, singleFileTar } from "../../../src/adapters/docker/tar.js";
import { leaseTar, leaseTarShared } from "../../../src/adapters/docker/lock-container.js";

function field(buf: Buffer, offset: number, length: number): string {
  return buf
    .subarray(offset, offset + length)
    .toString("ascii")
    .replace(/\0.*$/s, "");
}

describe("singleFileTar", () => {
  it("is a ustar archive of one file with a valid checksum, padded to whole blocks", () => {
    const content = "global\n    master-worker\n";
    const tar = singleFileTar("haproxy.cfg", content);
    expect(tar.length % 512).toBe(0);
    expect(tar.length).toBe(512 + 512 + 1024);
    expect(field(tar, 0, 100)).toBe("haproxy.cfg");
    expect(Number.parseInt(field(tar, 124, 12), 8)).toBe(Buffer.byteLength(content));
    expect(field(tar, 257, 6)).toBe("ustar");
    const header = Buffer.from(tar.subarray(0, 512));
    const stored = Number.parseInt(field(header, 148, 8), 8);
    header.fill(0x20, 148, 156);
    expect(header.reduce((s, b) => s + b, 0)).toBe(stored);
    expect(tar.subarray(512, 512 + Buffer.byteLength(content)).toString("utf8")).toBe(content);
  });

  it("is the same bytes for the same content", () => {
    expect(singleFileTar("a", "x").equals(singleFileTar("a", "x"))).toBe(true);
  });

  it("reads back the file it wrote (what getArchive of one file returns), skipping a directory entry", () => {
    const content = '{"renewals":3}\n'.repeat(40);
    expect(firstFileOfTar(singleFileTar("lease.json", content))).toBe(content);
    const dir = Buffer.from(singleFileTar("d/", "").subarray(0, 512));
    dir.write("5", 156, 1, "ascii");
    expect(firstFileOfTar(Buffer.concat([dir, singleFileTar("f", "x")]))).toBe("x");
    expect(firstFileOfTar(Buffer.alloc(1024, 0))).toBeUndefined();
  });
});

describe("leaseTar (built from a kept archive per content length)", () => {
  it("is byte for byte the one-file archive of the lease, whatever the counter's digits", () => {
    for (const renewals of [1, 9, 10, 99, 12_345, 1_000_000_007, 5, 77]) {
      const lease = { renewals, leaseMs: renewals % 2 === 0 ? 15_000 : 150_000 };
      const content = `${JSON.stringify({ renewals, lease_ms: lease.leaseMs })}\n`;
      const tar = leaseTar(lease);
      expect(tar.equals(singleFileTar("gitfleet-lease.json", content))).toBe(true);
      expect(firstFileOfTar(tar)).toBe(content);
    }
  });
});

describe("leaseTarShared (the heartbeat's, copied at once into its request)", () => {
  it("is leaseTar's archive, in one buffer per content length written over at each call", () => {
    const first = leaseTarShared({ renewals: 11, leaseMs: 15_000 });
    expect(first.equals(leaseTar({ renewals: 11, leaseMs: 15_000 }))).toBe(true);
    // The same length: the same buffer, now holding the new lease (no buffer made per renewal).
    const second = leaseTarShared({ renewals: 12, leaseMs: 15_000 });
    expect(second).toBe(first);
    expect(second.equals(leaseTar({ renewals: 12, leaseMs: 15_000 }))).toBe(true);
    const longer = leaseTarShared({ renewals: 100, leaseMs: 15_000 });
    expect(longer).not.toBe(first);
    expect(firstFileOfTar(longer)).toBe(`${JSON.stringify({ renewals: 100, lease_ms: 15_000 })}\n`);
  });
});
