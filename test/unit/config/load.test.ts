import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadOperatorConfig } from "../../../src/config/index.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gf-config-"));
  await writeFile(path.join(dir, "hook-secret"), "  from-file-0123456789\n", { mode: 0o600 });
  await writeFile(path.join(dir, "empty-secret"), "\n", { mode: 0o600 });
  await writeFile(
    path.join(dir, "gitfleet.yaml"),
    "repository: {path: ./repo}\nwebhook:\n  listen: 127.0.0.1:0\n  secret_file: hook-secret\n",
  );
  await writeFile(
    path.join(dir, "missing-secret.yaml"),
    "repository: {path: ./repo}\nwebhook: {secret_file: nope}\n",
  );
  await writeFile(
    path.join(dir, "empty-secret.yaml"),
    "repository: {path: ./repo}\nwebhook: {secret_file: empty-secret}\n",
  );
  await writeFile(path.join(dir, "bad.yaml"), "repository: {path: ./repo}\npoll: often\n");
  await writeFile(path.join(dir, "short-secret"), "0123456789abcde\n", { mode: 0o600 });
  await writeFile(path.join(dir, "open-secret"), "0123456789abcdef0123\n", { mode: 0o644 });
  await writeFile(path.join(dir, "open-creds.json"), '{"token": "t0k3n-value"}', { mode: 0o640 });
  await writeFile(
    path.join(dir, "short.yaml"),
    "repository: {path: ./repo}\nwebhook: {secret_file: short-secret}\n",
  );
  await writeFile(
    path.join(dir, "open.yaml"),
    "repository: {path: ./repo}\nwebhook: {secret_file: open-secret}\n",
  );
  await writeFile(
    path.join(dir, "open-creds.yaml"),
    "repository: {url: http://127.0.0.1/x.git, credentials: open-creds.json}\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err;
}

describe("loadOperatorConfig", () => {
  it("reads the file, resolves paths next to it and reads the webhook secret file", async () => {
    const c = await loadOperatorConfig("gitfleet.yaml", { cwd: dir, env: {} });
    expect(c.file).toBe(path.join(dir, "gitfleet.yaml"));
    expect(c.repository.path).toBe(path.join(dir, "repo"));
    expect(c.webhook).toEqual({
      listen: { host: "127.0.0.1", port: 0, text: "127.0.0.1:0" },
      secretFile: path.join(dir, "hook-secret"),
      secret: "from-file-0123456789",
    });
  });

  it("works from the environment alone", async () => {
    const c = await loadOperatorConfig(undefined, {
      cwd: dir,
      env: { GITFLEET_REPO_URL: "http://127.0.0.1/x.git" },
    });
    expect(c.repository.url).toBe("http://127.0.0.1/x.git");
    expect(c.secretsDir).toBe(path.join(dir, "secrets"));
  });

  it("an unreadable config file is a ConfigError", async () => {
    const err = await configError(loadOperatorConfig("absent.yaml", { cwd: dir, env: {} }));
    expect(err.message).toBe(
      "absent.yaml: configuration file not found; write one (start from examples/operator.yaml) or pass --config",
    );
    expect(err.code).toBe("config-invalid");
    expect(err.issues).toEqual([
      expect.objectContaining({ file: "absent.yaml", code: "config-file-unreadable" }),
    ]);
  });

  it("a missing or empty webhook secret file is a ConfigError", async () => {
    const missing = await configError(loadOperatorConfig("missing-secret.yaml", { cwd: dir, env: {} }));
    expect(missing.issues.map((i) => i.code)).toEqual(["config-file-unreadable"]);
    expect(missing.message).toMatch(/nope: ENOENT$/);
    const empty = await configError(loadOperatorConfig("empty-secret.yaml", { cwd: dir, env: {} }));
    expect(empty.issues.map((i) => i.code)).toEqual(["config-weak-secret"]);
  });

  it("names the file as given in line:col messages", async () => {
    const err = await configError(loadOperatorConfig("bad.yaml", { cwd: dir, env: {} }));
    expect(err.issues).toEqual([expect.objectContaining({ line: 2, col: 7, code: "config-bad-cron" })]);
    expect(err.message).toMatch(/^bad\.yaml:2:7: /);
  });

  it("without a file nor GITFLEET_REPO_*, says what is missing", async () => {
    const err = await configError(loadOperatorConfig(undefined, { cwd: dir, env: {} }));
    expect(err.issues.map((i) => i.code)).toEqual(["config-missing-key"]);
    expect(err.message).toBe(
      'configuration: missing required key "repository" (no config file: set GITFLEET_REPO_URL or GITFLEET_REPO_PATH)',
    );
  });

  it("refuses a webhook secret file shorter than 16 bytes", async () => {
    const err = await configError(loadOperatorConfig("short.yaml", { cwd: dir, env: {} }));
    expect(err.issues).toEqual([expect.objectContaining({ file: "short.yaml", code: "config-weak-secret" })]);
  });

  it("refuses credentials and secret files group or others can read, saying to chmod 600, never their content", async () => {
    const open = await configError(loadOperatorConfig("open.yaml", { cwd: dir, env: {} }));
    expect(open.issues.map((i) => i.code)).toEqual(["config-secret-mode"]);
    expect(open.message).toBe(
      `open.yaml: webhook.secret_file: ${path.join(dir, "open-secret")} is readable by group or others (mode 0644): it holds a secret; run chmod 600 ${path.join(dir, "open-secret")}`,
    );
    const creds = await configError(loadOperatorConfig("open-creds.yaml", { cwd: dir, env: {} }));
    expect(creds.issues.map((i) => i.code)).toEqual(["config-secret-mode"]);
    expect(creds.message).toContain("repository.credentials: ");
    expect(creds.message).toContain("(mode 0640)");
    expect(creds.message).toContain(`run chmod 600 ${path.join(dir, "open-creds.json")}`);
    expect(open.message + creds.message).not.toMatch(/0123456789abcdef0123|t0k3n-value/);
  });
});
