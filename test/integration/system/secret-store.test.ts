import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DirectorySecretStore,
  isValidSecretName,
  SecretNameError,
} from "../../../src/adapters/system/secret-store.js";
import { SecretModeError } from "../../../src/adapters/system/secret-files.js";

let root: string;
let store: DirectorySecretStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gf-secrets-"));
  await mkdir(path.join(root, "store", "h1"), { recursive: true });
  await writeFile(path.join(root, "store", "shop-db-password"), "  hunter2\n", { mode: 0o600 });
  await writeFile(path.join(root, "store", "h1", "ca.pem"), "PEM\n");
  await writeFile(path.join(root, "store", "h1", "key.pem"), "PRIVATE\n", { mode: 0o600 });
  await writeFile(path.join(root, "outside"), "must not be readable");
  store = new DirectorySecretStore(path.join(root, "store"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("DirectorySecretStore", () => {
  it("reads a secret trimmed, and undefined when absent", async () => {
    expect(await store.get("shop-db-password")).toBe("hunter2");
    expect(await store.get("h1/ca.pem")).toBe("PEM");
    expect(await store.get("missing")).toBeUndefined();
    expect(await store.get("h1")).toBeUndefined(); // a directory is not a secret
    expect((await store.getBytes("shop-db-password"))?.toString()).toBe("  hunter2\n");
  });

  it("gives the path inside the store", () => {
    expect(store.path("h1/ca.pem")).toBe(path.join(root, "store", "h1", "ca.pem"));
  });

  it.each([
    "../outside",
    "h1/../../outside",
    "/etc/passwd",
    "",
    ".",
    "h1//ca.pem",
    ".hidden",
    "a\\b",
    "a\0b",
  ])("refuses the name %j", async (name) => {
    expect(isValidSecretName(name)).toBe(false);
    expect(() => store.path(name)).toThrow(SecretNameError);
    await expect(store.get(name)).rejects.toMatchObject({ code: "secret-name" });
  });

  it("refuses a secret group or others can read, saying which mode to set, but reads a CA certificate", async () => {
    const file = path.join(root, "store", "open");
    await writeFile(file, "value-never-shown\n", { mode: 0o644 });
    const err = await store.get("open").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SecretModeError);
    expect((err as Error).message).toBe(
      `${file} is readable by group or others (mode 0644): it holds a secret; run chmod 600 ${file}`,
    );
    expect((err as Error).message).not.toContain("value-never-shown");
    expect(await store.get("h1/ca.pem")).toBe("PEM"); // 0644: a certificate is public
  });
});

describe("DirectorySecretStore namespaces", () => {
  it("reads application secrets from env/ only, once that folder exists", async () => {
    const dir = path.join(root, "namespaced");
    await mkdir(path.join(dir, "env"), { recursive: true });
    await mkdir(path.join(dir, "h1"), { recursive: true });
    await writeFile(path.join(dir, "env", "api-token"), "app-value\n", { mode: 0o600 });
    await writeFile(path.join(dir, "top-level"), "not-an-app-secret\n", { mode: 0o600 });
    await writeFile(path.join(dir, "h1", "key.pem"), "PRIVATE\n", { mode: 0o600 });
    const s = new DirectorySecretStore(dir);
    expect(await s.getApplication("api-token")).toBe("app-value");
    expect(await s.getApplication("top-level")).toBeUndefined();
    expect(await s.getApplication("h1/key.pem")).toBeUndefined(); // env/h1/key.pem: nothing there
    expect(await s.get("h1/key.pem")).toBe("PRIVATE"); // the operator still reads its TLS material
  });

  it("without env/ (the layout before namespaces) reads the top level but refuses TLS and registry material", async () => {
    const warnings: string[] = [];
    const s = new DirectorySecretStore(path.join(root, "store"), { onLegacyLayout: (m) => warnings.push(m) });
    expect(await s.getApplication("shop-db-password")).toBe("hunter2");
    await expect(s.getApplication("h1/key.pem")).rejects.toMatchObject({ code: "secret-namespace" });
    await expect(s.getApplication("h1/other")).rejects.toMatchObject({ code: "secret-namespace" });
    await expect(s.getApplication("registry-auth/r.example.com")).rejects.toMatchObject({
      code: "secret-namespace",
    });
    await expect(s.getApplication("operator/label-key")).rejects.toMatchObject({ code: "secret-namespace" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("move them into env/");
  });
});
