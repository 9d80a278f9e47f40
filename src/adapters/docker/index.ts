// The Docker adapter's public surface, for the controller.

export { DockerHost } from "./host.js";
export type { DockerHostOptions, HostInfo, ManagedContainer } from "./host.js";
export type { NetworkOptions } from "./network.js";
export { DockerError } from "./errors.js";
export type { DockerErrorCode } from "./errors.js";
export type { ContainerEvent, HostEvent, EventCallback } from "./events.js";
export type { PullProgress } from "./pull.js";
export type { CreateResult, ReplicaSpec } from "./replica.js";
export { MissingSecretError, resolveSecretEnv, resolveSecretFiles } from "./replica.js";
export { buildCreateOptions, bindAllowed, volumeName, replicaName, PolicyError } from "./container-config.js";
export { registryOf, authSecretName } from "./registry-auth.js";
