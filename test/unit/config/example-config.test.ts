// examples/operator.yaml is the README's starting point: the real parser must
// accept it without a warning, with the settings the comments promise. And
// every key of the operator configuration is described for people: named in
// README.md or in examples/operator.yaml (the schema alone is not enough).

import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { DEFAULT_HEAP_TARGET_BYTES, parseOperatorConfig } from "../../../src/config/index.js";

const root = resolve(import.meta.dirname, "../../..");

it("examples/operator.yaml parses cleanly with the documented settings", async () => {
  const file = join(root, "examples/operator.yaml");
  const config = parseOperatorConfig(await readFile(file, "utf8"), {
    file,
    baseDir: "/etc/gitfleet",
    env: {},
  });
  expect(config.warnings ?? []).toEqual([]);
  expect(config.heapTargetBytes).toBe(DEFAULT_HEAP_TARGET_BYTES);
  expect(config.poll).toBe("0 * * * * *");
  expect(config.secretsDir).toBe("/etc/gitfleet/secrets");
  expect(config.workDir).toBe("/var/lib/gitfleet");
  expect(config.webhook?.secretFile).toBe("/etc/gitfleet/webhook-secret");
  expect(config.ceiling.endpoints).toEqual(["tcp://10.0.0.11:2376", "tcp://10.0.0.12:2376"]);
  expect(config.tasks).toEqual({ perHost: 4, total: 512 });
});

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly allOf?: readonly SchemaNode[];
}

/** Every property path of the schema (ceiling.allow_devices, ...), through $refs to its definitions. */
function keyPaths(schema: SchemaNode & { definitions?: Record<string, SchemaNode> }): string[] {
  const out: string[] = [];
  const walk = (
    node: SchemaNode | boolean | undefined,
    path: readonly string[],
    seen: ReadonlySet<string>,
  ): void => {
    if (node === undefined || typeof node === "boolean") return;
    if (node.$ref !== undefined) {
      const name = node.$ref.split("/").pop() ?? "";
      if (!seen.has(name)) walk(schema.definitions?.[name], path, new Set([...seen, name]));
      return;
    }
    for (const [key, value] of Object.entries(node.properties ?? {})) {
      out.push([...path, key].join("."));
      walk(value, [...path, key], seen);
    }
    walk(node.items, path, seen);
    walk(node.additionalProperties, path, seen);
    for (const sub of [...(node.oneOf ?? []), ...(node.anyOf ?? []), ...(node.allOf ?? [])])
      walk(sub, path, seen);
  };
  walk(schema, [], new Set());
  return [...new Set(out)];
}

it("every operator configuration key is named in README.md or examples/operator.yaml", async () => {
  const schema = JSON.parse(await readFile(join(root, "schemas/operator.schema.json"), "utf8")) as SchemaNode;
  const docs = `${await readFile(join(root, "README.md"), "utf8")}\n${await readFile(join(root, "examples/operator.yaml"), "utf8")}`;
  const paths = keyPaths(schema);
  expect(paths).toContain("heap_target");
  expect(paths).toContain("ceiling.allow_devices");
  const named = (key: string): boolean => new RegExp(`(?<![\\w-])${key}(?![\\w-])`).test(docs);
  expect(paths.filter((p) => !named(p.split(".").pop() ?? p))).toEqual([]);
});
