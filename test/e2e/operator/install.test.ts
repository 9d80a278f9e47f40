// README's install section, followed: examples/operator.yaml, with only the
// settings the README says to adapt (repository URL and credentials, webhook
// address and secret, secrets and work directories, ceiling.endpoints), runs
// the operator against the test bed's Git server and hosts, and it converges.

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetTestbed } from "../../support/testbed.js";
import { cacheYaml } from "./services.js";
import { BED_POLL, clusterYaml, managed, OperatorWorld, serving } from "./support.js";
import { pollUntil } from "../../support/poll.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** What README's "Installing" section says to set, as YAML paths. */
const ADAPTED = [
  ["repository", "url"],
  ["repository", "credentials"],
  ["webhook", "listen"],
  ["webhook", "secret_file"],
  ["secrets_dir"],
  ["work_dir"],
  ["ceiling", "endpoints"],
] as const;

let world: OperatorWorld;
let example: string;
let adapted: string;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  example = await readFile(path.join(ROOT, "examples/operator.yaml"), "utf8");
  // The test world's own settings for this bed: its Git server, credentials, webhook, directories.
  const local = parseDocument(await readFile(world.configFile, "utf8"));
  const doc = parseDocument(example);
  for (const key of ADAPTED) doc.setIn(key, local.getIn(key));
  adapted = doc.toString();
  await writeFile(world.configFile, adapted, { mode: 0o600 });
  await world.push(
    { "cluster.yaml": clusterYaml(), "services/cache.yaml": cacheYaml() },
    "first deployment from the example configuration",
  );
});

afterAll(async () => {
  await world?.close();
});

describe("README's install section: examples/operator.yaml", () => {
  it("differs from the example only in the settings the README says to adapt", () => {
    const without = (text: string): unknown => {
      const doc = parseDocument(text);
      for (const key of ADAPTED) doc.deleteIn(key);
      return doc.toJS();
    };
    expect(without(adapted)).toEqual(without(example));
    expect(parse(adapted)).not.toEqual(parse(example));
    // Its poll stays once a minute: the webhook is what deploys a push at once.
    expect((parse(adapted) as { poll: string }).poll).toBe("0 * * * * *");
  });

  it("starts the operator, which converges on the repository and reports Synced", async () => {
    world.startOperator();
    // The push before the start is picked up by the first pass; the webhook brings the next one.
    const cache = await pollUntil(
      "cache on 3 hosts",
      async () => {
        const list = serving(await managed("cache"));
        return list.length === 3 ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 200_000 },
    );
    expect(cache.map((c) => c.host).sort()).toEqual(["h1", "h2", "h3"]);
    await pollUntil(
      "status Synced",
      async () => (await world.status("status/cluster.yaml")).includes("sync: Synced"),
      BED_POLL,
    );
    expect(world.output).not.toMatch(/invalid configuration|cannot start/);
  });

  it("applies a push at once through the example's webhook (the poll is a minute)", async () => {
    const commit = await world.push(
      { "services/cache.yaml": cacheYaml().replace(/^name: cache$/m, "name: cache\nlabels: {tier: cache}") },
      "cache: a label",
    );
    await pollUntil(
      "the push applied",
      async () => {
        const s = await world.status("status/cluster.yaml");
        return s.includes(`commit: ${commit}`) && s.includes("sync: Synced");
      },
      { ...BED_POLL, timeoutMs: 180_000 },
    );
    // A push applied because the webhook announced it, not by the (minute) poll.
    expect(world.output).toMatch(/"reasons":\[[^\]]*"webhook"/);
  });

  it("stops on SIGTERM with exit 0", async () => {
    expect(await world.stopOperator()).toBe(0);
  });
});
