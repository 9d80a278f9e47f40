// Units as Compose and Docker write them, converted exactly.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCpus, parseDuration, parseSize } from "../../../src/spec/index.js";
import { distance, didYouMean } from "../../../src/spec/suggest.js";
import { splitShellWords } from "../../../src/spec/shell-words.js";

const value = (r: { ok: boolean; value?: number }): number | undefined => (r.ok ? r.value : undefined);

describe("parseDuration", () => {
  it.each([
    ["0", 0],
    ["500ms", 500],
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["2h", 7_200_000],
    ["1.5s", 1_500],
    ["1h1m1s1ms", 3_661_001],
    ["1000us", 1],
    ["2000000ns", 2],
  ])("reads %s as %d ms", (text, ms) => {
    expect(value(parseDuration(text))).toBe(ms);
  });

  it.each(["", "10", "1 s", "-1s", "1d", "s", "1.s", "100us", "1e3s"])("refuses %j", (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it("adds up the parts of any Go-style duration", () => {
    fc.assert(
      fc.property(fc.nat(99), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        expect(value(parseDuration(`${h}h${m}m${s}s${ms}ms`))).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
    );
  });
});

describe("parseSize", () => {
  it.each<[string | number, number]>([
    [1048576, 1048576],
    ["0", 0],
    ["512k", 512 * 1024],
    ["256M", 256 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["1.5G", 1.5 * 1024 ** 3],
    ["10b", 10],
    ["2MiB", 2 * 1024 ** 2],
    ["1 GB", 1024 ** 3],
  ])("reads %j as %d bytes", (input, bytes) => {
    expect(value(parseSize(input))).toBe(bytes);
  });

  it.each<string | number>(["12Q", "M", "-1M", "1.2.3M", -5, 1.5])("refuses %j", (input) => {
    expect(parseSize(input).ok).toBe(false);
  });
});

describe("parseCpus", () => {
  it.each<[string | number, number]>([
    ["0.5", 500_000_000],
    [2, 2_000_000_000],
    ["0.1", 100_000_000],
    [0.1, 100_000_000],
    ["0.50", 500_000_000],
    ["0.000000001", 1],
    ["1.0000000000", 1_000_000_000],
  ])("reads %j as %d nano-CPUs", (input, nano) => {
    expect(value(parseCpus(input))).toBe(nano);
  });

  it.each<string | number>(["0.0000000001", 1e-10, "lots", "-1", -1, ".5", "1,5"])("refuses %j", (input) => {
    expect(parseCpus(input).ok).toBe(false);
  });
});

describe("didYouMean", () => {
  it("finds one-letter slips, transpositions, - for _ and prefixes", () => {
    const keys = ["replicas", "restart_policy", "update_config", "max_replicas_per_node"];
    expect(didYouMean("replica", keys)).toBe("replicas");
    expect(didYouMean("rpelicas", keys)).toBe("replicas");
    expect(didYouMean("max-replicas-per-node", keys)).toBe("max_replicas_per_node");
    expect(didYouMean("restart", keys)).toBe("restart_policy");
    expect(didYouMean("colour", keys)).toBeUndefined();
  });

  it("measures edit distance as a metric would", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(distance(a, b)).toBe(distance(b, a));
        expect(distance(a, a)).toBe(0);
        expect(distance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe("splitShellWords", () => {
  it.each<[string, string[]]>([
    ["httpd -f -p 8080", ["httpd", "-f", "-p", "8080"]],
    ["  spaced   out  ", ["spaced", "out"]],
    [`sh -c 'a && b'`, ["sh", "-c", "a && b"]],
    [`echo "a \\"quoted\\" $x"`, ["echo", 'a "quoted" $x']],
    [`a\\ b c`, ["a b", "c"]],
    [`''`, [""]],
  ])("splits %j", (text, words) => {
    expect(splitShellWords(text)).toEqual({ ok: true, words });
  });

  it.each([`echo 'open`, `echo "open`, "trailing\\"])("refuses %j", (text) => {
    expect(splitShellWords(text).ok).toBe(false);
  });
});
