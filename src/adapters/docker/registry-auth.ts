// Registry credentials come from the operator's secret store, one file per
// registry: registry-auth/<registry host[:port]>, holding JSON in one of
// Docker's forms: {"username","password"}, {"auth": base64("user:pass")} or
// {"identitytoken"}. Nothing here is ever logged.

import type { SecretStore } from "../../ports/index.js";

export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string;
  readonly identitytoken?: string;
  readonly serveraddress: string;
}

/** The registry part of an image reference, as Docker decides it. */
export function registryOf(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : "docker.io";
}

export function authSecretName(registry: string): string {
  return `registry-auth/${registry}`;
}

export async function registryAuth(
  image: string,
  secrets: SecretStore | undefined,
): Promise<RegistryAuth | undefined> {
  if (secrets === undefined) return undefined;
  const registry = registryOf(image);
  const text = await secrets.get(authSecretName(registry));
  if (text === undefined || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Do not echo the content: it is a credential.
    throw new Error(`secret ${authSecretName(registry)} is not valid JSON`);
  }
  const o = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const str = (k: string): Record<string, string> => (typeof o[k] === "string" ? { [k]: o[k] } : {});
  return {
    ...str("username"),
    ...str("password"),
    ...str("auth"),
    ...str("identitytoken"),
    serveraddress: registry,
  };
}
