// What every operation on one host needs: the clients, the call runner, the
// logger and who we are. Built once by DockerHost.

import type Docker from "dockerode";
import type { Logger } from "pino";
import type { SecretStore } from "../../ports/index.js";
import type { HostCaller } from "./call.js";
import type { EngineApi } from "./engine-api.js";

export interface HostContext {
  readonly host: string;
  readonly cluster: string;
  /** For short calls: its socket idle timeout backs up the call deadline. */
  readonly docker: Docker;
  /** The calls a deploy makes by the thousand, without dockerode (see engine-api.ts). */
  readonly api: EngineApi;
  /** For long streams (events, pulls): no idle timeout. */
  readonly streaming: Docker;
  readonly calls: HostCaller;
  readonly logger: Logger;
  readonly secrets: SecretStore | undefined;
  readonly callTimeoutMs: number;
  readonly pullTimeoutMs: number;
}
