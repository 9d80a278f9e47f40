// The operator configuration's interpolation variables: its own `variables:`,
// plus only those environment variables `variables_from_environment:` names.

import { describe, expect, it } from "vitest";
import { ConfigError, parseOperatorConfig } from "../../../src/config/index.js";

const FILE = "/etc/gitfleet/gitfleet.yaml";
const BASE = "repository:\n  path: /srv/repo\n";

function parse(text: string, env: Record<string, string> = {}) {
  return parseOperatorConfig(BASE + text, { file: FILE, baseDir: "/", env });
}

describe("operator variables", () => {
  it("none by default, and never the process environment unless named", () => {
    expect(parse("", { HOME: "/root", TAG: "1" }).variables).toBeUndefined();
  });

  it("variables: as strings, over the environment variables named by glob", () => {
    const c = parse(
      'variables:\n  TAG: "1.4"\n  REPLICAS: 3\n  DEBUG: false\nvariables_from_environment: ["DEPLOY_*", TAG]\n',
      { DEPLOY_ENV: "prod", DEPLOY_REGION: "eu", TAG: "from-env", OTHER: "x" },
    );
    expect(c.variables).toEqual({
      DEPLOY_ENV: "prod",
      DEPLOY_REGION: "eu",
      TAG: "1.4",
      REPLICAS: "3",
      DEBUG: "false",
    });
  });

  it("a bad variable name or value is a configuration error at its line", () => {
    try {
      parse("variables:\n  ok: 1\n  bad-name: x\n  LIST: [1]\n");
      throw new Error("expected a ConfigError");
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      expect(e.issues.map((i) => `${i.line}:${i.col}: ${i.message}`)).toEqual([
        '5:3: "bad-name" is not a variable name: use letters, digits and "_", not starting with a digit',
        "6:9: must be a string, a number or true/false",
      ]);
    }
  });
});
