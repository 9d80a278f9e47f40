// The schemas as an editor sees them: the real yaml-language-server (the engine
// behind VS Code's YAML extension, Neovim's yamlls, Helix, Zed...) started
// headless over stdio, configured the way sample-repo/.vscode/settings.json
// configures it (schemas mapped by file pattern), then asked what a user would
// see: diagnostics, completion and hover.

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient, type Diagnostic } from "../../support/lsp-client.js";

const root = resolve(import.meta.dirname, "../../..");
const sample = join(root, "sample-repo");
const serverBin = createRequire(import.meta.url).resolve("yaml-language-server/bin/yaml-language-server");
const uri = (relative: string): string => pathToFileURL(join(sample, relative)).href;

// What an editor would read from sample-repo/.vscode/settings.json.
const vscodeSettings = JSON.parse(readFileSync(join(sample, ".vscode/settings.json"), "utf8")) as {
  "yaml.schemas": Record<string, string[]>;
};
const yamlSettings = {
  schemas: vscodeSettings["yaml.schemas"],
  validate: true,
  hover: true,
  completion: true,
  // No network here, and nothing in the schema store is ours: the mapping above must do it all.
  schemaStore: { enable: false },
};

/** A sample file's text without its `# yaml-language-server: $schema=...` line: the mapping must find the schema alone. */
function withoutModeline(relative: string): string {
  return readFileSync(join(sample, relative), "utf8").replace(/^# yaml-language-server:.*\n/, "");
}

let client: LspClient;
let version = 0;

function open(relative: string, text: string): Promise<readonly Diagnostic[]> {
  const diagnostics = client.nextDiagnostics(uri(relative));
  client.notify("textDocument/didOpen", {
    textDocument: { uri: uri(relative), languageId: "yaml", version: ++version, text },
  });
  return diagnostics;
}

function positionOf(text: string, needle: string, offsetInNeedle = 0): { line: number; character: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in the document`);
  const before = text.slice(0, at + offsetInNeedle);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - before.lastIndexOf("\n") - 1 };
}

async function hover(relative: string, text: string, key: string): Promise<string> {
  const result = (await client.request("textDocument/hover", {
    textDocument: { uri: uri(relative) },
    position: positionOf(text, `${key}:`, 1),
  })) as { contents?: { value?: string } | string } | null;
  const contents = result?.contents;
  return typeof contents === "string" ? contents : (contents?.value ?? "");
}

beforeAll(async () => {
  client = new LspClient(process.execPath, [serverBin, "--stdio"], sample);
  client.onRequest("workspace/configuration", (params) =>
    (params as { items: Array<{ section?: string }> }).items.map((item) =>
      item.section === "yaml" ? yamlSettings : item.section === "http" ? { proxyStrictSSL: false } : {},
    ),
  );
  await client.request("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(sample).href,
    workspaceFolders: [{ uri: pathToFileURL(sample).href, name: "sample-repo" }],
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
      textDocument: {
        hover: { contentFormat: ["markdown", "plaintext"] },
        completion: { completionItem: { snippetSupport: true, documentationFormat: ["markdown"] } },
        publishDiagnostics: {},
      },
    },
  });
  client.notify("initialized", {});
  client.notify("workspace/didChangeConfiguration", { settings: { yaml: yamlSettings } });
  // The server pulls the settings asynchronously; a probe document without a
  // modeline answers hover once the pattern mapping is in force.
  const probe = "services/probe/probe.yaml";
  const probeText = "kind: Service\nname: probe\nimage: busybox\n";
  await open(probe, probeText);
  const deadline = Date.now() + 120_000;
  while ((await hover(probe, probeText, "image")) === "") {
    if (Date.now() > deadline) throw new Error("yaml-language-server never applied the yaml.schemas mapping");
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  await client.shutdown();
});

describe("yaml-language-server over sample-repo, schemas mapped by file pattern", () => {
  const files = ["cluster.yaml", ...readdirSync(join(sample, "services")).map((f) => `services/${f}`)];

  it.each(files)("%s as it is: no diagnostics", async (file) => {
    expect(await open(file, readFileSync(join(sample, file), "utf8"))).toEqual([]);
  });

  it.each(files)(
    "%s without its $schema comment, services nested a level deeper: no diagnostics",
    async (file) => {
      // A second URI for the same text: services/team/..., and cluster.yaml under another folder.
      const target =
        file === "cluster.yaml" ? "copy/cluster.yaml" : file.replace("services/", "services/team/");
      expect(await open(target, withoutModeline(file))).toEqual([]);
    },
  );

  it("flags a replica count written as a word, at its line, in a nested file without a comment", async () => {
    const text = withoutModeline("services/web.yaml").replace("replicas: 3", 'replicas: "three"');
    const diagnostics = await open("services/team/bad-replicas.yaml", text);
    const at = positionOf(text, '"three"');
    expect(diagnostics.map((d) => [d.range.start.line, d.message])).toEqual([
      [at.line, 'Incorrect type. Expected "integer".'],
    ]);
  });

  it("flags an unknown key under deploy and one misspelt at the top", async () => {
    const text =
      withoutModeline("services/api.yaml").replace("deploy:\n", "deploy:\n  replicaz: 2\n") + "imagee: x\n";
    const diagnostics = await open("services/team/bad-keys.yaml", text);
    const lines = diagnostics.map((d) => d.range.start.line).sort((a, b) => a - b);
    expect(lines).toEqual([positionOf(text, "replicaz").line, positionOf(text, "imagee").line]);
    for (const d of diagnostics) expect(d.message).toMatch(/not allowed/);
  });

  it("flags a cluster.yaml with an engine URL that is no Docker endpoint", async () => {
    const text = withoutModeline("cluster.yaml").replace(/docker: \S+/, "docker: http://nowhere");
    const diagnostics = await open("other/cluster.yaml", text);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]?.range.start.line).toBe(positionOf(text, "http://nowhere").line);
  });

  it("offers the deploy keys under deploy:", async () => {
    const text = "kind: Service\nname: c\nimage: busybox\ndeploy:\n  \n";
    const file = "services/team/complete.yaml";
    await open(file, text);
    const result = (await client.request("textDocument/completion", {
      textDocument: { uri: uri(file) },
      position: { line: 4, character: 2 },
    })) as { items: Array<{ label: string }> } | Array<{ label: string }>;
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        "mode",
        "replicas",
        "resources",
        "placement",
        "update_config",
        "restart_policy",
      ]),
    );
    expect(labels).not.toContain("image");
  });

  it("offers the enum values of deploy.mode with their descriptions", async () => {
    const text = "kind: Service\nname: c\nimage: busybox\ndeploy:\n  mode: \n";
    const file = "services/team/complete-mode.yaml";
    await open(file, text);
    const result = (await client.request("textDocument/completion", {
      textDocument: { uri: uri(file) },
      position: { line: 4, character: 8 },
    })) as { items: Array<{ label: string; documentation?: { value: string } | string }> };
    const items = Array.isArray(result) ? result : result.items;
    const docs = Object.fromEntries(
      items.map((i) => [
        i.label,
        typeof i.documentation === "string" ? i.documentation : (i.documentation?.value ?? ""),
      ]),
    );
    // Each value with its own text (markdownEnumDescriptions), not the key's description repeated.
    expect(docs).toEqual({
      replicated: expect.stringMatching(/^\*\*replicated\*\*: `deploy.replicas` copies/) as unknown,
      global: expect.stringMatching(/^\*\*global\*\*: One replica on every eligible host/) as unknown,
    });
  });

  it.each([
    // markdownDescription, with the default it adds to the plain description
    ["replicas", "Number of copies (replicated mode)", "Default: `1`"],
    ["image", "Image reference", "registry.example.com/shop/api:1.4.2"],
    ["stop_grace_period", "between SIGTERM and SIGKILL", "Default: `10s`"],
  ])("hover on %s shows its description", async (key, words, more) => {
    const file = "services/web.yaml";
    const text = readFileSync(join(sample, file), "utf8");
    const shown = await hover(file, text, key);
    expect(shown).toContain(words);
    expect(shown).toContain(more);
  });

  it("hover on a cluster.yaml key shows its description", async () => {
    const text = readFileSync(join(sample, "cluster.yaml"), "utf8");
    expect(await hover("cluster.yaml", text, "host_down_after")).toContain("Default: `");
  });
});
