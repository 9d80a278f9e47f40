import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DirectorySecretStore,
  isValidSecretName,
  SecretNameError,
} from "../../../src/adapters/system/secret-store.js";

let root: string;
let store: DirectorySecretStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gf-secrets-"));
  await mkdir(path.join(root, "store", "h1"), { recursive: true });
  await writeFile(path.join(root, "store", "shop-db-password"), "  hunter2\n");
  await writeFile(path.join(root, "store", "h1", "ca.pem"), "PEM\n");
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
});
