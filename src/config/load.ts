// The tiny effectful wrapper: read the config file (optional: environment
// alone may configure everything) and the webhook secret file, then parse.
// Any problem, including unreadable files, is a ConfigError.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Env } from "./env.js";
import { ConfigError } from "./errors.js";
import { checkSecretMode, SecretModeError } from "../adapters/system/secret-files.js";
import { MIN_WEBHOOK_SECRET_BYTES, parseOperatorConfig, webhookSecretTooShort } from "./parse.js";
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
      const message =
        reason(err) === "ENOENT"
          ? "configuration file not found; write one (start from examples/operator.yaml) or pass --config"
          : `cannot read the configuration: ${reason(err)}`;
      throw new ConfigError([{ file, code: "config-file-unreadable", message }]);
    }
  }
  const config = parseOperatorConfig(text, { ...(file !== undefined ? { file } : {}), baseDir: cwd, env });
  const at = file !== undefined ? { file } : {};
  const credentials = config.repository.credentialsFile;
  if (credentials !== undefined) await refuseReadableByOthers(credentials, "repository.credentials", at);
  const secretFile = config.webhook?.secretFile;
  if (config.webhook === undefined || secretFile === undefined) return config;
  await refuseReadableByOthers(secretFile, "webhook.secret_file", at);
  let secret: string;
  try {
    secret = (await readFile(secretFile, "utf8")).trim();
  } catch (err) {
    throw new ConfigError([
      {
        ...at,
        code: "config-file-unreadable",
        message: `webhook.secret_file: cannot read ${secretFile}: ${reason(err)}`,
      },
    ]);
  }
  if (secret === "")
    throw new ConfigError([
      { ...at, code: "config-weak-secret", message: `webhook.secret_file: ${secretFile} is empty` },
    ]);
  if (Buffer.byteLength(secret) < MIN_WEBHOOK_SECRET_BYTES)
    throw new ConfigError([
      { ...at, code: "config-weak-secret", message: `webhook.secret_file: ${webhookSecretTooShort()}` },
    ]);
  return { ...config, webhook: { ...config.webhook, secret } };
}

/** Like ssh with a private key: a credential others can read is refused (a missing file is left to its reader). */
async function refuseReadableByOthers(path: string, setting: string, at: { file?: string }): Promise<void> {
  try {
    await checkSecretMode(path);
  } catch (err) {
    if (err instanceof SecretModeError)
      throw new ConfigError([{ ...at, code: "config-secret-mode", message: `${setting}: ${err.message}` }]);
  }
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(err);
}
