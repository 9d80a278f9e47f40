import { describe, expect, it } from "vitest";
import { BASELINE_CEILING, secretsMayGoTo, type Ceiling } from "../../../src/model/ceiling.js";

describe("secretsMayGoTo", () => {
  it("sends no secret anywhere while the operator has not listed its engines", () => {
    expect(secretsMayGoTo(BASELINE_CEILING, "unix:///var/run/docker.sock")).toBe(false);
    expect(secretsMayGoTo(BASELINE_CEILING, "tcp://10.0.0.1:2376")).toBe(false);
  });

  it("sends secrets only to listed engines, exact or by glob", () => {
    const ceiling: Ceiling = { ...BASELINE_CEILING, endpoints: ["tcp://10.0.0.*:2376", "ssh://ops@h9"] };
    expect(secretsMayGoTo(ceiling, "tcp://10.0.0.7:2376")).toBe(true);
    expect(secretsMayGoTo(ceiling, "ssh://ops@h9")).toBe(true);
    expect(secretsMayGoTo(ceiling, "tcp://10.0.1.7:2376")).toBe(false);
    expect(secretsMayGoTo(ceiling, "tcp://attacker.example:2376")).toBe(false);
  });
});
