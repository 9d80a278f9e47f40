// The tiny effectful wrapper: read the config file (optional: environment
// alone may configure everything) and the webhook secret file, then parse.
// Any problem, including unreadable files, is a ConfigError.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Env } from "./env.js";
import { ConfigError } from "./errors.js";
import { parseOperatorConfig } from "./parse.js";
import type { OperatorConfig } from "./types.js";

export interface LoadOptions {
  /** Default: process.env. */
  readonly env?: Env;
  /** Default: process.cwd(). */
  readonly cwd?: string;
}

export async function loadOperatorConfig(
  file: string | undefined,
  opts: LoadOptions = {},
): Promise<OperatorConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let text = "";
  if (file !== undefined) {
    try {
      text = await readFile(path.resolve(cwd, file), "utf8");
    } catch (err) {
      throw new ConfigError([{ file, message: `cannot read the configuration: ${reason(err)}` }]);
    }
  }
  const config = parseOperatorConfig(text, { ...(file !== undefined ? { file } : {}), baseDir: cwd, env });
  const secretFile = config.webhook?.secretFile;
  if (config.webhook === undefined || secretFile === undefined) return config;
  let secret: string;
  try {
    secret = (await readFile(secretFile, "utf8")).trim();
  } catch (err) {
    throw new ConfigError([
      {
        ...(file !== undefined ? { file } : {}),
        message: `webhook.secret_file: cannot read ${secretFile}: ${reason(err)}`,
      },
    ]);
  }
  if (secret === "")
    throw new ConfigError([
      { ...(file !== undefined ? { file } : {}), message: `webhook.secret_file: ${secretFile} is empty` },
    ]);
  return { ...config, webhook: { ...config.webhook, secret } };
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(err);
}
