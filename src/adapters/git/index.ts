// The Git adapter's public surface: what the operator wires.

export {
  type CredentialsProvider,
  type GitAuth,
  type GitCredentials,
  credentialsFromEnv,
  credentialsFromFile,
  credentialsFromSecretStore,
} from "./auth.js";
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export { GitAdapterError, type GitErrorCode, redactUrl } from "./errors.js";
export { DEFAULT_REF, type RefSelector } from "./ref-selector.js";
export {
  DEFAULT_STATUS_BRANCH,
  GitStatusSink,
  type GitStatusSinkOptions,
  STATUS_AUTHOR,
  type StatusCommit,
} from "./sink.js";
export { GitCommitSource, type GitSourceOptions, type RepositoryLocation } from "./commit-source.js";
