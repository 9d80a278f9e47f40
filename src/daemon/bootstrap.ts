// Production wiring: from the operator configuration to an Operator on the
// real adapters (Git source and status sink, Docker hosts, secret store,
// node-cron, webhook). Nothing here contacts a host or a Git server: that
// starts with the first pass.

import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import {
  credentialsFromEnv,
  credentialsFromFile,
  GitStatusSink,
  type GitAuth,
  type RefSelector,
  type RepositoryLocation,
} from "../adapters/git/index.js";
import { WebhookServer } from "../adapters/http/webhook.js";
import { isSshRepoUrl } from "../adapters/git/ssh-url.js";
import { secretStoreMaterial, SSH_SECRETS } from "../adapters/ssh/material.js";
import { ensureLabelKey } from "../adapters/system/label-key.js";
import { DirectorySecretStore } from "../adapters/system/secret-store.js";
import {
  DEFAULT_HEAP_TARGET_BYTES,
  type OperatorConfig,
  type RefSelector as ConfigRef,
} from "../config/index.js";
import type { SecretStore } from "../ports/index.js";
import { ControllerError } from "../ports/host.js";
import { operatorIdentity, pidAlive } from "../adapters/system/operator-identity.js";
import { fileHostBook } from "../adapters/system/host-book.js";
import { endpointAllowed } from "../model/ceiling.js";
import { ClusterLock } from "../reconcile/cluster-lock.js";
import { fleetCallLimiter } from "../adapters/docker/limiter.js";
import type { DriverFactory } from "../observe/fleet.js";
import { Operator, type Companion, type OperatorOptions } from "./operator.js";
import { systemTime } from "../adapters/system/clock.js";
import { secretDigestingSource } from "../desired/secret-digests.js";
import { openGitDesired, type GitDesired, type GitDesiredOptions } from "./git-desired.js";
import { ChangeGate, type Desired } from "../desired/change-gate.js";
import { sharedSwitchOf, suspendStateReader } from "../adapters/etcd/fleet-suspend.js";
import { leaderKey } from "../config/leader-election.js";
import { readStatusView } from "../status/readback.js";
import { parseIsoTime } from "../status/format.js";
import { cronTrigger, type Trigger } from "./triggers.js";
import { outwardCompanions } from "./bootstrap-outward.js";
import { reduceMemoryOnce, startHeapTarget, type HeapTarget } from "../adapters/system/heap-target.js";
import { createEtcdHttp, type EtcdHttp } from "../adapters/etcd/etcd-http.js";
import { etcdLeaseStore } from "../adapters/etcd/etcd-lease.js";
import type { HolderIdentity } from "../model/leadership.js";

/** The desired commit the status branch records, loaded from the repository (a restart under a closed gate). */
async function recordedDesired(sink: GitStatusSink, git: GitDesired): Promise<Desired | undefined> {
  const files = await sink.readStatus();
  const recorded = files === undefined ? undefined : readStatusView(files)?.desired;
  if (recorded === undefined) return undefined;
  const state = await git.stateAt(recorded.commit);
  if (state === undefined) return undefined;
  const time = recorded.time !== undefined ? parseIsoTime(recorded.time) : undefined;
  return {
    commit: recorded.commit,
    author: recorded.author ?? "",
    message: recorded.message ?? "",
    timestamp: time ?? 0,
    state,
    files: new Map(),
  };
}

export interface BootstrapOptions {
  readonly logger: Logger;
  /** --once: no poll schedule, no webhook, no heartbeat. */
  readonly once?: boolean;
  /**
   * Wraps the Docker drivers (the fleet-scale bench runs them without the HAProxy edge,
   * which cannot run on simulated hosts); production passes nothing.
   */
  readonly wrapDrivers?: (drivers: DriverFactory) => DriverFactory;
}

// eslint-disable-next-line max-lines-per-function -- the process's wiring: every adapter chosen and handed to the operator, in dependency order
export async function buildOperator(config: OperatorConfig, o: BootstrapOptions): Promise<Operator> {
  const secrets = new DirectorySecretStore(config.secretsDir, {
    onLegacyLayout: (message) => o.logger.warn(message),
  });
  const repository = repositoryOf(config);
  // Load desired: the Git adapter hands over a commit's files, src/desired judges them.
  const gitSource = await openGitDesired({
    repository,
    logger: o.logger,
    ref: refOf(config.repository.ref),
    cacheDir: config.workDir,
    ...(await trustOptions(config)),
  });
  const sink = await GitStatusSink.create({
    repository,
    branch: config.status.branch,
    cacheDir: config.workDir,
    logger: o.logger,
  });
  const etcd = etcdClientOf(config);
  // Suspend and deny windows hold new commits back (inside the digests: what it holds is digested too).
  const gated = new ChangeGate(gitSource, {
    clock: systemTime,
    suspended: suspendStateReader(config.workDir, sharedSwitchOf(config, etcd, etcdTimeoutMs(config))),
    resume: () => recordedDesired(sink, gitSource),
  });
  const source = secretDigestingSource(gated, secrets, await ensureLabelKey(secrets));
  const triggers: Trigger[] =
    o.once === true ? [] : [cronTrigger(config.poll), ...webhookTrigger(config, o.logger)];
  // The companions read from the operator, which takes them when it is built.
  const built: { operator?: Operator } = {};
  const companions =
    o.once === true
      ? []
      : [
          heapTargetCompanion(config.heapTargetBytes ?? DEFAULT_HEAP_TARGET_BYTES, o.logger),
          ...outwardCompanions(config, {
            logger: o.logger,
            time: systemTime,
            secrets,
            operator: () => {
              if (built.operator === undefined)
                throw new ControllerError("internal", "the operator is not built yet");
              return built.operator;
            },
          }),
        ];
  const options: OperatorOptions = {
    source,
    companions,
    sink,
    drivers: (o.wrapDrivers ?? ((d) => d))(dockerDrivers(config, secrets, o.logger)),
    triggers,
    time: systemTime,
    logger: o.logger,
    heartbeat: o.once !== true,
    observeTimeoutMs: Math.min(config.docker.callTimeoutMs, 10_000),
    ...(config.tasks !== undefined ? { admission: config.tasks } : {}),
    hostBook: fileHostBook(config.workDir),
    endpointAllowed: (docker) => endpointAllowed(config.ceiling, docker),
    ...(await guardOf(config, etcd, o.logger)),
  };
  built.operator = new Operator(options);
  return built.operator;
}

/** The etcd client of a standby group (none in single-instance mode). */
function etcdClientOf(config: OperatorConfig): EtcdHttp | undefined {
  const election = config.leaderElection;
  if (election === undefined) return undefined;
  return createEtcdHttp({ endpoints: election.etcdEndpoints, timeoutMs: etcdTimeoutMs(config) });
}

/**
 * One etcd request's deadline: one renewal must be able to fail and another still land before
 * the renew deadline. It is also the deadline of a whole read of the suspend switch, however
 * many endpoints are tried, so that etcd not answering delays a poll by this much at most.
 */
function etcdTimeoutMs(config: OperatorConfig): number {
  return Math.max(200, Math.floor((config.leaderElection?.timing.renewDeadlineMs ?? 0) / 3));
}

/**
 * Who may act on the fleet: one instance guarded by the per-host cluster lock, or
 * a standby group that elects its leader on etcd (then the lease is the guard).
 */
async function guardOf(
  config: OperatorConfig,
  client: EtcdHttp | undefined,
  logger: Logger,
): Promise<Pick<OperatorOptions, "lock" | "leaderElection">> {
  const me = await operatorIdentity(config.workDir);
  const election = config.leaderElection;
  if (election === undefined || client === undefined) {
    return { lock: new ClusterLock({ me, time: systemTime, logger, pidAlive }) };
  }
  const holder: HolderIdentity = { instance: me.instance, host: me.host, pid: me.pid };
  return {
    leaderElection: {
      store: etcdLeaseStore(client, leaderKey(election, config.ceiling.cluster)),
      holder: JSON.stringify(holder),
      timing: election.timing,
    },
  };
}

/**
 * How every reader of the repository judges a commit, the operator and `plan`
 * alike: against the operator's ceiling (never what the commit says of
 * itself), within its limits (in a worker thread, with a time budget), signed
 * by a trusted key when keys are configured.
 */
export async function trustOptions(
  config: OperatorConfig,
): Promise<
  Partial<Pick<GitDesiredOptions, "trustedKeys" | "loadOptions" | "loadTimeoutMs" | "allowForcePush">>
> {
  const trustedKeys = await Promise.all(config.signature.trustedKeyFiles.map((f) => readFile(f, "utf8")));
  return {
    ...(trustedKeys.length > 0 ? { trustedKeys } : {}),
    loadOptions: { ceiling: config.ceiling, limits: config.limits.spec, variables: config.variables ?? {} },
    loadTimeoutMs: config.limits.loadTimeoutMs,
    allowForcePush: config.repository.allowForcePush === true,
  };
}

/**
 * The Docker adapter, imported when the drivers are made (at start-up) rather than with this
 * module: dockerode with its gRPC stack is the slowest dependency to load, and loaded this way it
 * loads while the first sync waits for the Git server instead of before the process does anything.
 */
function dockerAdapter(): Promise<typeof import("../adapters/docker/driver.js")> {
  return import("../adapters/docker/driver.js");
}

export function dockerDrivers(config: OperatorConfig, secrets: SecretStore, logger: Logger): DriverFactory {
  const adapter = dockerAdapter();
  adapter.catch(() => undefined); // a failed import is reported by the first driver made
  // One bound on the calls in flight across the fleet, shared by every host's driver.
  const fleetCalls = fleetCallLimiter();
  return async (host, cluster) =>
    (await adapter).createDockerDriver({
      host,
      cluster,
      secrets,
      ceiling: config.ceiling,
      logger,
      concurrency: config.docker.concurrency,
      fleetCalls,
      callTimeoutMs: config.docker.callTimeoutMs,
      // A heartbeat must fail well within the down-after period to count.
      pingTimeoutMs: Math.min(
        config.docker.pingTimeoutMs,
        Math.max(200, cluster.settings.hostDownAfterMs / 2),
      ),
      pullTimeoutMs: config.docker.pullTimeoutMs,
    });
}

export function repositoryOf(config: OperatorConfig): RepositoryLocation {
  const { url, path, credentialsFile } = config.repository;
  if (url !== undefined && isSshRepoUrl(url)) {
    // The deploy key and the pinned host keys: host material of the secret store.
    const secrets = new DirectorySecretStore(config.secretsDir);
    return { url, ssh: secretStoreMaterial({ secrets, keyNames: [SSH_SECRETS.deployKey] }) };
  }
  if (url !== undefined) {
    const auth: GitAuth | undefined =
      credentialsFile !== undefined ? credentialsFromFile(credentialsFile) : credentialsFromEnv();
    return auth !== undefined ? { url, auth } : { url };
  }
  return { path: path ?? "." };
}

export function refOf(ref: ConfigRef): RefSelector {
  if (ref.kind === "tag") return { tag: ref.value };
  if (ref.kind === "semver") return { semver: ref.value };
  return { branch: ref.value };
}

function webhookTrigger(config: OperatorConfig, logger: Logger): Trigger[] {
  const hook = config.webhook;
  if (hook === undefined) return [];
  if (hook.secret === undefined) {
    logger.warn("webhook configured without a secret: not started");
    return [];
  }
  const secret = hook.secret;
  let server: WebhookServer | undefined;
  return [
    {
      name: `webhook ${hook.listen.text}`,
      async start(markDue) {
        server = new WebhookServer({
          secret,
          onPush: () => markDue("webhook"),
          logger,
          host: hook.listen.host,
          port: hook.listen.port,
        });
        const at = await server.start();
        logger.info({ host: at.host, port: at.port }, "webhook listening");
      },
      async stop() {
        await server?.stop();
      },
    },
  ];
}

/** The heap's soft bound (see heap-target.ts) while the operator runs. */
function heapTargetCompanion(targetBytes: number, logger: Logger): Companion {
  let target: HeapTarget | undefined;
  return {
    name: "heap-target",
    start: () => {
      reduceMemoryOnce();
      target = startHeapTarget(targetBytes);
      logger.debug({ heapTargetBytes: targetBytes }, "heap target set");
      return Promise.resolve();
    },
    stop: () => {
      target?.stop();
      return Promise.resolve();
    },
  };
}
