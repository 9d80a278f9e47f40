// examples/operator.yaml is the README's starting point: the real parser must
// accept it without a warning, with the settings the comments promise.

import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { parseOperatorConfig } from "../../../src/config/index.js";

const root = resolve(import.meta.dirname, "../../..");

it("examples/operator.yaml parses cleanly with the documented settings", async () => {
  const file = join(root, "examples/operator.yaml");
  const config = parseOperatorConfig(await readFile(file, "utf8"), {
    file,
    baseDir: "/etc/gitfleet",
    env: {},
  });
  expect(config.warnings ?? []).toEqual([]);
  expect(config.poll).toBe("0 * * * * *");
  expect(config.secretsDir).toBe("/etc/gitfleet/secrets");
  expect(config.workDir).toBe("/var/lib/gitfleet");
  expect(config.webhook?.secretFile).toBe("/etc/gitfleet/webhook-secret");
  expect(config.ceiling.endpoints).toEqual(["tcp://10.0.0.11:2376", "tcp://10.0.0.12:2376"]);
});
