import { describe, expect, it } from "vitest";
import { parse } from "../../../src/adapters/docker/kept-connection.js";

const b = (s: string): Buffer => Buffer.from(s, "latin1");

describe("the kept connection's reading of an HTTP answer", () => {
  it("waits for the whole body by Content-Length, then gives status and body", () => {
    const head =
      "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\n";
    expect(parse(b(head.slice(0, 20)))).toBeUndefined();
    expect(parse(b(`${head}O`))).toBeUndefined();
    expect(parse(b(`${head}OK`))).toEqual({ status: 200, body: b("OK"), close: false });
  });

  it("reads a chunked body to its last chunk", () => {
    const head = "HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n";
    const parts = ['{"mes', 'sage":"no such container ', "x", '"}'];
    const body = `${parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join("")}0\r\n\r\n`;
    for (let cut = 0; cut < body.length; cut++) expect(parse(b(head + body.slice(0, cut)))).toBeUndefined();
    expect(parse(b(head + body))).toEqual({
      status: 404,
      body: b('{"message":"no such container x"}'),
      close: false,
    });
  });

  it("closes after an answer that asks for it, or with bytes after it; refuses what is not HTTP", () => {
    expect(parse(b("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))).toMatchObject({
      close: true,
    });
    expect(parse(b("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1"))).toMatchObject({ close: true });
    expect(parse(b("HTTP/1.1 204 No Content\r\n\r\n"))).toEqual({ status: 204, body: b(""), close: false });
    expect(parse(b("HTTP/1.1 200 OK\r\n\r\nOK"))).toBe("bad"); // no length: cannot tell where it ends
    expect(parse(b("SSH-2.0-OpenSSH\r\n\r\n"))).toBe("bad");
  });

  it("reads the heads' names and values whatever their case and blanks, the first line of each name", () => {
    const ok = (head: string, body = "OK") => parse(b(`HTTP/1.1 200 OK\r\n${head}\r\n\r\n${body}`));
    expect(ok("content-LENGTH:\t 2 ")).toEqual({ status: 200, body: b("OK"), close: false });
    expect(ok("Content-Length: 1\r\nContent-Length: 2")).toEqual({ status: 200, body: b("O"), close: true });
    expect(ok("Content-Length: 2\r\nConnection: Keep-Alive")).toMatchObject({ close: false });
    expect(ok("Content-Length: 2\r\nConnection: keep-alive, CLOSE")).toMatchObject({ close: true });
    expect(ok("Content-Length: 2x")).toBe("bad");
    expect(ok("Content-Length: -2")).toBe("bad");
    // Chunk sizes in either case, with extensions.
    const chunked = "Transfer-Encoding: gzip, Chunked";
    expect(ok(chunked, "A;ext=1\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n")).toEqual({
      status: 200,
      body: b("0123456789!"),
      close: false,
    });
    expect(ok(chunked, "a\r\n0123456789\r\n0\r\n\r\n")).toMatchObject({ body: b("0123456789") });
    expect(ok(chunked, "zz\r\n0123456789\r\n0\r\n\r\n")).toBe("bad");
  });
});
