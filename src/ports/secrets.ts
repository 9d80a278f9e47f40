// The secret store port: secret values never leave it except into a
// container's environment or a TLS/registry client. adapters/system/secret-store.ts
// implements it over the operator's secrets directory.

/** Secret values never leave this port except into a container's environment or a TLS/registry client. */
export interface SecretStore {
  /** Any secret by its path in the store (TLS, registry credentials, operator keys). Never for env_secrets. */
  get(name: string): Promise<string | undefined>;
  /** An application secret, the only kind env_secrets may name (the store's env/ namespace). */
  getApplication(name: string): Promise<string | undefined>;
  path(name: string): string;
}
