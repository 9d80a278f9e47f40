// `gitfleet validate DIR` and `gitfleet plan DIR` read a checkout the way the
// operator reads a commit (issue 12): symbolic links are refused, never
// followed, and what they point at never appears in any output; oversized
// files are refused before they are read.

import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planCommand } from "../../../src/cli/commands/plan.js";
import { validate } from "../../../src/cli/commands/validate.js";
import type { CommandIo } from "../../../src/cli/io.js";
import { clusterYaml, serviceYaml } from "../../support/git-fixtures.js";

const SECRET = "TOP-SECRET-4711";
let dir: string;
let repo: string;
let outside: string;

interface Run {
  readonly code: number;
  readonly out: string;
}

async function run(command: "validate" | "validate --json" | "plan"): Promise<Run> {
  let out = "";
  const io: CommandIo = { out: (t) => void (out += t), err: (t) => void (out += t), cwd: dir };
  const code =
    command === "plan"
      ? await planCommand("repo", {}, io)
      : await validate("repo", command === "validate --json" ? { json: true } : {}, io);
  return { code, out };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gitfleet-bounds-"));
  repo = path.join(dir, "repo");
  outside = path.join(dir, "outside");
  await mkdir(path.join(repo, "services"), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(repo, "cluster.yaml"), clusterYaml());
  await writeFile(path.join(repo, "services/api.yaml"), serviceYaml("api"));
  // Valid YAML, so that following the link would show the content in an error or a plan.
  await writeFile(
    path.join(outside, "shadow.yaml"),
    `kind: Service\nname: ${SECRET.toLowerCase()}\nimage: "${SECRET}"\nbad: ${SECRET}\n`,
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(["validate", "validate --json", "plan"] as const)("gitfleet %s DIR", (command) => {
  it("refuses a symlinked service file without reading what it points at", async () => {
    await symlink(path.join(outside, "shadow.yaml"), path.join(repo, "services/leak.yaml"));
    const r = await run(command);
    expect(r.code).toBe(1);
    expect(r.out).toContain("services/leak.yaml");
    expect(r.out).toContain("is a symbolic link; gitfleet never follows links");
    expect(r.out).not.toContain(SECRET);
    expect(r.out).not.toContain(SECRET.toLowerCase());
    expect(r.out).not.toContain(outside);
  });

  it("refuses a symlinked cluster.yaml, services/ directory and subdirectory", async () => {
    await mkdir(path.join(outside, "svc"));
    await writeFile(path.join(outside, "svc/x.yaml"), `kind: Service\nname: x\nimage: ${SECRET}\n`);
    await rm(path.join(repo, "cluster.yaml"));
    await symlink(path.join(outside, "shadow.yaml"), path.join(repo, "cluster.yaml"));
    await symlink(path.join(outside, "svc"), path.join(repo, "services/sub"));
    const r = await run(command);
    expect(r.code).toBe(1);
    expect(r.out).toContain("cluster.yaml");
    expect(r.out).toContain("services/sub");
    expect(r.out).not.toContain(SECRET);

    await rm(path.join(repo, "services"), { recursive: true });
    await symlink(path.join(outside, "svc"), path.join(repo, "services"));
    const whole = await run(command);
    expect(whole.code).toBe(1);
    expect(whole.out).toMatch(/services(:1:1|")/);
    expect(whole.out).not.toContain(SECRET);
  });

  it("refuses a file over 1 MiB without reading it", async () => {
    const big = path.join(repo, "services/big.yaml");
    await writeFile(big, "");
    await truncate(big, 400 * 1024 * 1024); // sparse: 400 MiB without using the disk
    const r = await run(command);
    expect(r.code).toBe(1);
    expect(r.out).toContain("services/big.yaml");
    expect(r.out).toContain("file is 400 MiB; spec files may be at most 1 MiB");
  });
});
