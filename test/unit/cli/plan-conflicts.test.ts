import { describe, expect, it } from "vitest";
import { withConflicts } from "../../../src/cli/commands/plan.js";
import { NO_CHANGES } from "../../../src/plan/index.js";

const conflict = {
  service: "echo",
  host: "h2",
  port: 9090,
  owner: "squatter",
  message: "ingress port 9090/tcp is not served on h2: container squatter (not managed by gitfleet) holds it",
};

describe("gitfleet plan with ports held by containers that are not ours", () => {
  it("does not say the cluster matches the desired state, and names each conflict", () => {
    expect(withConflicts(NO_CHANGES, [conflict])).toBe(
      "No changes planned.\n\nPort conflicts (not served as specified):\n" +
        "  echo: ingress port 9090/tcp is not served on h2: container squatter (not managed by gitfleet) holds it\n",
    );
  });

  it("appends them to a plan with changes, and leaves a plan without conflicts as it is", () => {
    const plan = "1 service changes: 1 create.\n\nweb\n  h1\n    create  web/1\n";
    expect(withConflicts(plan, [conflict])).toBe(
      `${plan}\nPort conflicts (not served as specified):\n  echo: ${conflict.message}\n`,
    );
    expect(withConflicts(NO_CHANGES, [])).toBe(NO_CHANGES);
  });
});
