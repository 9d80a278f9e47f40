import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { WarnThrottle } from "../../../src/log-throttle.js";

function capture() {
  const lines: Array<{ level: number; msg: string; suppressed?: number }> = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe("WarnThrottle", () => {
  it("warns the first time, then at most once a period with the count of quieter lines", () => {
    let now = 0;
    const t = new WarnThrottle(60_000, () => now);
    const { logger, lines } = capture();
    for (let i = 0; i < 240; i++) {
      t.warn(logger, "poll", {}, "git: poll failed");
      now += 250; // four a second, as a Git outage produced
    }
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    now += 1_000; // 61 s after the first
    t.warn(logger, "poll", {}, "git: poll failed");
    const loud = lines.filter((l) => l.level === 40);
    expect(loud).toHaveLength(2);
    expect(loud[1]?.suppressed).toBe(239);
    expect(lines.filter((l) => l.level === 20)).toHaveLength(239);
  });

  it("kinds are apart, and a cleared kind warns again at once", () => {
    let now = 0;
    const t = new WarnThrottle(60_000, () => now);
    const { logger, lines } = capture();
    t.warn(logger, "poll", {}, "a");
    t.warn(logger, "push", {}, "b");
    now += 10;
    t.clear("poll");
    t.warn(logger, "poll", {}, "a");
    t.warn(logger, "push", {}, "b");
    expect(lines.map((l) => `${l.level}:${l.msg}`)).toEqual(["40:a", "40:b", "40:a", "20:b"]);
  });
});
