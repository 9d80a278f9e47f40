// Creating one replica's container. A 409 means a container with that
// deterministic name exists (an earlier pass, or an operator that died
// mid-step): when it is ours, adopt it rather than fail.

import type { ContainerCreateOptions } from "dockerode";
import { LABELS } from "../../model/observed.js";
import type { SecretStore } from "../../ports/index.js";
import type { ServiceSpec } from "../../model/spec.js";
import type { HostContext } from "./context.js";
import { buildCreateOptions, PolicyError, replicaNetworks, type ReplicaRequest } from "./container-config.js";
import { DockerError } from "./errors.js";
import { inspectImagePorts, publishImagePorts } from "./image-ports.js";
import { filesTar } from "./tar.js";

/** A replica request without the cluster, which the host already knows. */
export type ReplicaSpec = Omit<ReplicaRequest, "cluster">;

export interface CreateResult {
  readonly id: string;
  readonly name: string;
  /** True when the container existed already and was adopted. */
  readonly adopted: boolean;
}

// eslint-disable-next-line max-lines-per-function -- create or adopt one replica: each Docker call and how its failure is told, in the order they happen
export async function createReplica(ctx: HostContext, spec: ReplicaSpec): Promise<CreateResult> {
  const req: ReplicaRequest = { ...spec, cluster: ctx.cluster };
  const build = (): ContainerCreateOptions => {
    try {
      return buildCreateOptions(req);
    } catch (err) {
      if (err instanceof PolicyError)
        throw new DockerError("policy", err.message, { host: ctx.host, op: "create" });
      throw err;
    }
  };
  // Refused before anything is asked of the host; built again when the create goes out (below).
  const name = build().name ?? "";
  // A stack's service is found by name on its image's ports too: publish them for other hosts' edges.
  let exposed: string[] | undefined;
  if (spec.service.stack !== undefined && spec.service.networkMode !== "host")
    exposed = await inspectImagePorts(ctx, spec.service.image);
  const options = (): ContainerCreateOptions =>
    exposed !== undefined ? publishImagePorts(build(), exposed, req.hostAddress) : build();
  // Names of env vars only: values (above all secret ones) never reach the log.
  ctx.logger.info(
    {
      container: name,
      image: spec.service.image,
      env: Object.keys(spec.service.environment),
      secretEnv: Object.keys(spec.secretEnv),
    },
    "creating container",
  );
  try {
    // Built when the call has its slot: during a deploy thousands of creates wait for the host's
    // lane and the fleet's, and each one's options (environment, labels, host config) would be
    // kept alive all that time.
    const c = await ctx.calls.run("create", (signal) => ctx.api.createContainer(options(), { signal }));
    await joinNetworks(ctx, c.id, replicaNetworks(req).slice(1));
    await putFiles(ctx, c.id, spec.service, spec.secretFiles);
    return { id: c.id, name, adopted: false };
  } catch (err) {
    if (!(err instanceof DockerError) || err.code !== "conflict") throw err;
  }
  const existing = await ctx.calls.run("inspect", (signal) => ctx.api.inspectContainer(name, { signal }), {
    lane: "read",
  });
  if (existing.Config.Labels?.[LABELS.cluster] !== ctx.cluster) {
    throw new DockerError(
      "conflict",
      `container ${name} exists and is not managed by cluster ${ctx.cluster}`,
      {
        host: ctx.host,
        op: "create",
      },
    );
  }
  const joined = new Set(Object.keys(existing.NetworkSettings?.Networks ?? {}));
  await joinNetworks(
    ctx,
    existing.Id,
    replicaNetworks(req).filter((n) => !joined.has(n)),
  );
  // Not started yet (or started with them): its files are put (again) before it starts.
  if (existing.State?.Running !== true) await putFiles(ctx, existing.Id, spec.service, spec.secretFiles);
  ctx.logger.info({ container: name, id: existing.Id }, "adopted existing container");
  return { id: existing.Id, name, adopted: true };
}

/**
 * A container is created on one network (the Engine API before 1.44 takes only one); the
 * others are joined before it starts, so its process starts on all of them.
 */
async function joinNetworks(ctx: HostContext, id: string, networks: readonly string[]): Promise<void> {
  for (const network of networks) {
    try {
      await ctx.calls.run("network-connect", (signal) => ctx.api.connectNetwork(network, id, { signal }));
    } catch (err) {
      // Joined already (an adopted container, a retried pass): nothing to do.
      if (err instanceof DockerError && err.code === "conflict") continue;
      if (/already exists/i.test(err instanceof Error ? err.message : String(err))) continue;
      throw err;
    }
  }
}

/** A stack's configs and secrets, placed in the container before it starts (Docker makes missing folders). */
async function putFiles(
  ctx: HostContext,
  id: string,
  service: ServiceSpec,
  secretValues: Readonly<Record<string, string>> = {},
): Promise<void> {
  const files = service.files ?? [];
  const secrets = service.secretFiles ?? [];
  if (files.length === 0 && secrets.length === 0) return;
  const tar = filesTar([
    ...files.map((f) => ({
      name: f.target.replace(/^\/+/, ""),
      content: Buffer.from(f.contentBase64, "base64"),
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
    })),
    ...secrets.map((f) => ({
      name: f.target.replace(/^\/+/, ""),
      content: Buffer.from(secretValues[f.target] ?? "", "utf8"),
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
    })),
  ]);
  await ctx.calls.run("put-files", () => ctx.docker.getContainer(id).putArchive(tar, { path: "/" }));
}

export class MissingSecretError extends Error {
  readonly code = "secret-missing";
  constructor(
    readonly service: string,
    readonly secrets: readonly string[],
  ) {
    super(`${service}: secret(s) not in the secret store: ${secrets.join(", ")}`);
    this.name = "MissingSecretError";
  }
}

/** A stack's secret files (path in the container → value); every missing secret is named. */
export async function resolveSecretFiles(
  service: ServiceSpec,
  secrets: SecretStore,
): Promise<Record<string, string>> {
  const files = service.secretFiles ?? [];
  const values = await Promise.all(
    files.map((f) =>
      secrets.getApplication(f.secret).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === "secret-name") return undefined;
        throw err;
      }),
    ),
  );
  const missing = files.filter((_, i) => values[i] === undefined).map((f) => f.secret);
  if (missing.length > 0) throw new MissingSecretError(service.name, [...new Set(missing)].sort());
  return Object.fromEntries(files.map((f, i) => [f.target, values[i] ?? ""]));
}

/** env_secrets (env var → secret name) resolved to values; every missing secret is named. */
export async function resolveSecretEnv(
  service: ServiceSpec,
  secrets: SecretStore,
): Promise<Record<string, string>> {
  const entries = Object.entries(service.envSecrets);
  // An invalid name is as good as missing; other errors (a refused namespace, a
  // group-readable file) pass through so they are reported as what they are.
  const values = await Promise.all(
    entries.map(([, secret]) =>
      secrets.getApplication(secret).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === "secret-name") return undefined;
        throw err;
      }),
    ),
  );
  const missing = entries.filter((_, i) => values[i] === undefined).map(([, secret]) => secret);
  if (missing.length > 0) throw new MissingSecretError(service.name, [...new Set(missing)].sort());
  return Object.fromEntries(entries.map(([env], i) => [env, values[i] ?? ""]));
}
