// The JSON Schemas are a product of their own: editors load them, so they must
// be valid draft-07 (the dialect yaml-language-server implements), describe every key, agree with the loader's defaults, and
// accept the sample repository as it is.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import {
  clusterSchema,
  DEFAULT_EDGE_IMAGE,
  DEFAULT_HOST_DOWN_AFTER_MS,
  DEFAULT_HOST_STABLE_AFTER_MS,
  DEFAULT_MAX_MOVES_PER_MINUTE,
  parseDuration,
  serviceSchema,
  SWARM_RESTART_DEFAULTS,
  SWARM_UPDATE_DEFAULTS,
} from "../../../src/spec/index.js";
import { EDITOR_KEYWORDS } from "../../../src/spec/editor-keywords.js";
import { DEFAULT_SPEC_LIMITS, parseSize } from "../../../src/spec/index.js";
import {
  CONFIG_DEFAULTS,
  DEFAULT_HEALTH,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_METRICS_LISTEN,
} from "../../../src/config/index.js";
import { DEFAULT_LEASE_TIMING } from "../../../src/model/leadership.js";
import { BASELINE_CEILING } from "../../../src/model/ceiling.js";
import operatorSchema from "../../../schemas/operator.schema.json" with { type: "json" };

const root = resolve(import.meta.dirname, "../../..");
const sample = join(root, "sample-repo");
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

function freshAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    strictTuples: false,
    strictRequired: false,
    keywords: [...EDITOR_KEYWORDS],
  });
  addFormats(ajv);
  return ajv;
}

function ms(text: unknown): number {
  const r = parseDuration(String(text));
  if (!r.ok) throw new Error(`schema default ${String(text)} is not a duration`);
  return r.value;
}

function bytes(text: unknown): number {
  const r = parseSize(String(text));
  if (!r.ok) throw new Error(`schema default ${String(text)} is not a size`);
  return r.value;
}

type Json = { [key: string]: unknown };
const obj = (v: unknown): Json => v as Json;

describe("the schemas", () => {
  it.each([
    ["service", serviceSchema],
    ["cluster", clusterSchema],
  ])("%s schema is valid JSON Schema draft-07", (_, schema) => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const ajv = freshAjv();
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it.each([
    ["service", serviceSchema],
    ["cluster", clusterSchema],
  ])("%s schema also passes the draft-07 meta-schema, as yaml-language-server checks it", (_, schema) => {
    // yaml-language-server validates every schema it loads against draft-07's meta-schema
    // and resolves only local "#/..." pointers, merging siblings of $ref: stay within that.
    const ajv = new Ajv();
    const validate = ajv.getSchema("http://json-schema.org/draft-07/schema");
    expect(validate?.(schema), ajv.errorsText(validate?.errors)).toBe(true);
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.filter((r) => !r.startsWith('"$ref":"#/definitions/'))).toEqual([]);
  });

  it("shares the deploy definitions between both schemas, word for word", () => {
    for (const [name, def] of Object.entries(clusterSchema.definitions)) {
      const same = (serviceSchema.definitions as Record<string, unknown>)[name];
      if (same !== undefined) expect(def, `definitions/${name}`).toEqual(same);
    }
    expect(clusterSchema.definitions.deploy).toEqual(serviceSchema.definitions.deploy);
  });

  const editorSchemas: Array<[string, Json]> = [
    ["service", serviceSchema],
    ["cluster", clusterSchema],
    ["operator", operatorSchema],
  ];

  /** Every node of a schema an editor shows: the root, each property, each definition, with its pointer. */
  function* nodes(node: unknown, at: string): Generator<[string, Json]> {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) yield* nodes(child, `${at}/${i}`);
      return;
    }
    yield [at, obj(node)];
    for (const [key, child] of Object.entries(obj(node))) {
      // Values, not schemas; an `if` only tests a value and describes nothing an editor would offer.
      if (
        [
          "examples",
          "default",
          "enum",
          "const",
          "if",
          "enumDescriptions",
          "markdownEnumDescriptions",
        ].includes(key)
      )
        continue;
      yield* nodes(child, `${at}/${key}`);
    }
  }

  it.each(editorSchemas)("%s schema gives every key a description and a markdownDescription", (_, schema) => {
    const defs = obj(schema.definitions);
    const describedBy = (s: Json, key: "description" | "markdownDescription"): boolean => {
      if (typeof s[key] === "string" && s[key] !== "") return true;
      const ref = typeof s.$ref === "string" ? defs[s.$ref.replace("#/definitions/", "")] : undefined;
      return ref !== undefined && describedBy(obj(ref), key);
    };
    const missing: string[] = [];
    for (const [at, node] of nodes(schema, "#")) {
      if (node.properties === undefined) continue;
      for (const [key, child] of Object.entries(obj(node.properties))) {
        if (!describedBy(obj(child), "description")) missing.push(`${at}/properties/${key}: description`);
        if (!describedBy(obj(child), "markdownDescription"))
          missing.push(`${at}/properties/${key}: markdownDescription`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(editorSchemas)(
    "%s schema says the same thing in markdownDescription as in description",
    (_, schema) => {
      const differing: string[] = [];
      for (const [at, node] of nodes(schema, "#")) {
        if (typeof node.description !== "string") continue;
        // The markdown form is the plain text (with "<" escaped outside code spans), plus the default.
        const plain = String(node.markdownDescription ?? "")
          .replace(/\\</g, "<")
          .replace(/\n\nDefault: `[^`]*`$/, "");
        if (plain !== node.description) differing.push(at);
        if (node.default !== undefined && !/Default/.test(String(node.markdownDescription)))
          differing.push(`${at} (default)`);
      }
      expect(differing).toEqual([]);
    },
  );

  it.each(editorSchemas)("%s schema describes every enum value, in plain text and markdown", (_, schema) => {
    const bad: string[] = [];
    for (const [at, node] of nodes(schema, "#")) {
      if (!Array.isArray(node.enum)) continue;
      const plain = node.enumDescriptions;
      const md = node.markdownEnumDescriptions;
      const complete = (list: unknown): boolean =>
        Array.isArray(list) &&
        list.length === (node.enum as unknown[]).length &&
        list.every((d) => typeof d === "string" && d.length > 0);
      if (!complete(plain) || !complete(md)) bad.push(at);
      else
        (node.enum as unknown[]).forEach((v, i) => {
          if (!String((md as string[])[i]).startsWith(`**${String(v)}**: `)) bad.push(`${at}/${String(v)}`);
        });
    }
    expect(bad).toEqual([]);
  });

  it("the operator schema states the defaults the configuration loader applies", () => {
    const props = obj(operatorSchema.properties);
    const at = (...path: string[]): unknown =>
      path.reduce<Json>(
        (n, key, i) => obj(i === path.length - 1 ? obj(n)[key] : obj(obj(n)[key]).properties),
        props,
      ).default;
    expect(at("repository", "branch")).toBe(CONFIG_DEFAULTS.branch);
    expect(at("poll")).toBe(CONFIG_DEFAULTS.poll);
    expect(at("status", "branch")).toBe(CONFIG_DEFAULTS.statusBranch);
    expect(at("secrets_dir")).toBe(CONFIG_DEFAULTS.secretsDir);
    expect(at("work_dir")).toBe(CONFIG_DEFAULTS.workDir);
    expect(at("webhook", "listen")).toBe(CONFIG_DEFAULTS.webhookListen);
    expect(at("metrics", "listen")).toBe(DEFAULT_METRICS_LISTEN);
    expect(ms(at("health", "pass_deadline"))).toBe(DEFAULT_HEALTH.passDeadlineMs);
    expect(ms(at("health", "git_stale_after"))).toBe(DEFAULT_HEALTH.gitStaleAfterMs);
    expect(at("docker", "concurrency")).toBe(CONFIG_DEFAULTS.concurrency);
    expect(ms(at("docker", "call_timeout"))).toBe(CONFIG_DEFAULTS.callTimeoutMs);
    expect(ms(at("docker", "ping_timeout"))).toBe(CONFIG_DEFAULTS.pingTimeoutMs);
    expect(ms(at("docker", "pull_timeout"))).toBe(CONFIG_DEFAULTS.pullTimeoutMs);
    expect(ms(at("limits", "load_timeout"))).toBe(DEFAULT_LOAD_TIMEOUT_MS);
    expect(bytes(at("limits", "max_file_size"))).toBe(DEFAULT_SPEC_LIMITS.maxFileBytes);
    expect(bytes(at("limits", "max_commit_size"))).toBe(DEFAULT_SPEC_LIMITS.maxCommitBytes);
    expect(at("ceiling", "allow_privileged")).toBe(BASELINE_CEILING.allowPrivileged);
    expect(at("ceiling", "allow_host_network")).toBe(BASELINE_CEILING.allowHostNetwork);
    expect(at("ceiling", "allow_host_pid")).toBe(BASELINE_CEILING.allowHostPid);
    expect(at("ceiling", "allow_host_ipc")).toBe(BASELINE_CEILING.allowHostIpc);
    expect(at("ceiling", "allow_bind_mounts")).toEqual(BASELINE_CEILING.allowBindMounts);
    expect(at("ceiling", "allow_devices")).toEqual(BASELINE_CEILING.allowDevices);
    expect(at("ceiling", "max_replicas_per_service")).toBe(BASELINE_CEILING.maxReplicasPerService);
    expect(ms(at("leader_election", "lease_ttl"))).toBe(DEFAULT_LEASE_TIMING.ttlMs);
    expect(ms(at("leader_election", "renew_every"))).toBe(DEFAULT_LEASE_TIMING.renewEveryMs);
    expect(ms(at("leader_election", "renew_deadline"))).toBe(DEFAULT_LEASE_TIMING.renewDeadlineMs);
  });

  it("states the same defaults the loader applies", () => {
    const update = obj(serviceSchema.definitions.updateConfig.properties);
    expect({
      parallelism: obj(update.parallelism).default,
      delayMs: ms(obj(update.delay).default),
      order: obj(update.order).default,
      failureAction: obj(update.failure_action).default,
      monitorMs: ms(obj(update.monitor).default),
      maxFailureRatio: obj(update.max_failure_ratio).default,
    }).toEqual(SWARM_UPDATE_DEFAULTS);
    const restart = obj(obj(serviceSchema.definitions.deploy.properties.restart_policy).properties);
    expect({
      condition: obj(restart.condition).default,
      delayMs: ms(obj(restart.delay).default),
      maxAttempts: obj(restart.max_attempts).default,
      windowMs: ms(obj(restart.window).default),
    }).toEqual(SWARM_RESTART_DEFAULTS);
    const settings = obj(clusterSchema.properties.settings.properties);
    expect(ms(obj(settings.host_down_after).default)).toBe(DEFAULT_HOST_DOWN_AFTER_MS);
    expect(ms(obj(settings.host_stable_after).default)).toBe(DEFAULT_HOST_STABLE_AFTER_MS);
    expect(obj(settings.max_moves_per_minute).default).toBe(DEFAULT_MAX_MOVES_PER_MINUTE);
    expect(obj(clusterSchema.properties.edge.properties.image).default).toBe(DEFAULT_EDGE_IMAGE);
  });
});

describe("sample-repo against the schemas, directly with ajv", () => {
  const ajv = freshAjv();
  const validators = { Service: ajv.compile(serviceSchema), Cluster: ajv.compile(clusterSchema) };
  const files = ["cluster.yaml", ...readdirSync(join(sample, "services")).map((f) => `services/${f}`)];

  it.each(files)("%s validates", (file) => {
    const text = readFileSync(join(sample, file), "utf8");
    for (const doc of parseAllDocuments(text, { merge: true }) as unknown as Iterable<{ toJS(): Json }>) {
      const value = doc.toJS();
      const validate = validators[value.kind as "Service" | "Cluster"];
      expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
    }
  });

  it.each(files)("%s names a schema that exists next to it", (file) => {
    const first = readFileSync(join(sample, file), "utf8").split("\n")[0] ?? "";
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, "first line names the schema").not.toBeNull();
    const target = resolve(dirname(join(sample, file)), m?.[1] ?? "");
    const expected = file === "cluster.yaml" ? "cluster.schema.json" : "service.schema.json";
    expect(target).toBe(join(sample, "schemas", expected));
  });

  it.each(["cluster.schema.json", "service.schema.json", "operator.schema.json"])(
    "sample-repo/schemas/%s is a copy of schemas/",
    (name) => {
      // sample-repo can be copied out as a repository of its own, so it carries the schemas
      // its files point at. After changing schemas/: cp schemas/*.json sample-repo/schemas/
      expect(readFileSync(join(sample, "schemas", name), "utf8")).toBe(
        readFileSync(join(root, "schemas", name), "utf8"),
      );
    },
  );
});
