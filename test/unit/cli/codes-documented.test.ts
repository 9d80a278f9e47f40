// Error and warning codes are a contract for tools: the README lists every one.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_ERROR_CODES } from "../../../src/cli/diagnostics.js";
import { CONFIG_ERROR_CODES, CONFIG_WARNING_CODES } from "../../../src/config/index.js";
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from "../../../src/spec/index.js";

const readme = readFileSync(join(resolve(import.meta.dirname, "../../.."), "README.md"), "utf8");

describe("README", () => {
  it.each([
    ...SPEC_ERROR_CODES,
    ...SPEC_WARNING_CODES,
    "mass-removal",
    ...CONFIG_ERROR_CODES,
    ...CONFIG_WARNING_CODES,
    ...CLI_ERROR_CODES,
  ])("lists the code %s", (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
});
