import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/adapters/system/log.js";
import { redactCredentials, redactDeep } from "../../../src/redact.js";

describe("redactCredentials", () => {
  it("hides user and password of an http(s) URL", () => {
    expect(redactCredentials("fetch https://ada:hunter2@git.example.com/ops/fleet.git failed")).toBe(
      "fetch https://***@git.example.com/ops/fleet.git failed",
    );
  });

  it("hides a token given as the user name", () => {
    expect(redactCredentials("http://ghp_abc123@127.0.0.1:8080/x.git")).toBe(
      "http://***@127.0.0.1:8080/x.git",
    );
  });

  it("hides a password in any scheme but keeps a bare ssh user", () => {
    expect(redactCredentials("ssh://root:pw@h1 and ssh://root@h2")).toBe("ssh://***@h1 and ssh://root@h2");
  });

  it("leaves text without URL credentials alone", () => {
    const text = "Ada <ada@example.com> pushed to https://git.example.com/a@b";
    expect(redactCredentials(text)).toBe(text);
  });

  it("reaches strings inside objects, arrays and errors", () => {
    const out = redactDeep({
      repository: "https://u:p@h/r.git",
      list: ["https://u:p@h/"],
      err: new Error("GET https://u:p@h/info/refs: 500"),
      n: 3,
    }) as { repository: string; list: string[]; err: Error; n: number };
    expect(out.repository).toBe("https://***@h/r.git");
    expect(out.list).toEqual(["https://***@h/"]);
    expect(out.err.message).toBe("GET https://***@h/info/refs: 500");
    expect(out.n).toBe(3);
  });
});

describe("the operator's logger", () => {
  it("never writes URL credentials, in the message, a field or a child's bindings", () => {
    let written = "";
    const logger = createLogger({ write: (line: string) => void (written += line) }, "debug");
    logger.info({ repository: "https://fleet:pw-123@git.example.com/fleet.git" }, "gitfleet starting");
    logger.warn("poll failed: GET http://fleet:pw-123@127.0.0.1/x.git/info/refs answered 500");
    logger.child({ component: "git" }).debug({ err: new Error("https://tok-456@h/x") }, "retry");
    expect(written).not.toContain("pw-123");
    expect(written).not.toContain("tok-456");
    expect(written).toContain("https://***@git.example.com/fleet.git");
    expect(written).toContain("http://***@127.0.0.1/x.git/info/refs");
    expect(written).toContain("https://***@h/x");
  });
});
