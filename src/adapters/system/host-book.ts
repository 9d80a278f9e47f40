// The hosts this operator has applied, kept in its work dir (HostBook): a host
// removed from cluster.yaml is still reached after a restart to clean it up.

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HostBook } from "../../ports/host-book.js";
import type { HostSpec } from "../../model/spec.js";

export function fileHostBook(workDir: string): HostBook {
  const file = path.join(workDir, "hosts.json");
  return {
    async load() {
      const text = await readFile(file, "utf8").catch((err: unknown) => {
        if ((err as { code?: unknown }).code === "ENOENT") return undefined;
        throw err;
      });
      if (text === undefined) return undefined;
      const v = JSON.parse(text) as unknown;
      return Array.isArray(v) ? (v as HostSpec[]) : undefined;
    },
    async save(hosts) {
      await mkdir(workDir, { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(hosts, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
    },
  };
}
