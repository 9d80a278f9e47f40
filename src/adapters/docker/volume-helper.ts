// Moving a volume's data between hosts through the Docker API only: a helper
// container mounts the volume on each side, the content leaves the source as
// a tar archive (GET /containers/{id}/archive) and enters the target the same
// way (PUT), and each side's manifest (bytes, files, a checksum over every
// file's sha256) is compared. No host path, no ssh, no rsync. The volumes
// themselves are never removed: a copy target is a new volume labelled with
// where it came from, and a superseded source is marked by a stopped
// container that also keeps it from `docker volume prune`.

import type { ContainerCreateOptions } from "dockerode";
import { LABELS } from "../../model/observed.js";
import { HELPER_ROLE, SUPERSEDED_ROLE, VOLUME_LABELS } from "../../model/volumes.js";
import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";
import { execCollect } from "./exec-output.js";
import { ensureImage } from "./images.js";

export interface VolumeManifest {
  readonly bytes: number;
  readonly files: number;
  /** sha256 over the sorted list of "sha256  ./path" lines of every regular file. */
  readonly sha256: string;
}

/** The helper's mount point. */
const MOUNT = "/v";
const MANIFEST_SCRIPT =
  `cd ${MOUNT} && find . -type f | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done | sha256sum` +
  ` && find . -type f -exec cat {} + | wc -c && find . -type f | wc -l`;

const is = (err: unknown, ...codes: string[]): boolean =>
  err instanceof DockerError && codes.includes(err.code);

export interface HelperOptions {
  /** Docker's volume name. */
  readonly volume: string;
  readonly image: string;
  readonly readOnly: boolean;
  /** "source" | "target": part of the helper's deterministic name. */
  readonly side: "source" | "target";
  /** Deadline for the archive and manifest streams. */
  readonly timeoutMs: number;
}

export class VolumeHelper {
  private constructor(
    private readonly ctx: HostContext,
    readonly id: string,
    private readonly timeoutMs: number,
  ) {}

  /** A running helper container with the volume at /v; one left by an earlier attempt is replaced. */
  static async open(ctx: HostContext, o: HelperOptions): Promise<VolumeHelper> {
    const name = `${o.volume}-copy-${o.side}`;
    await removeQuietly(ctx, name);
    await ensureImage(ctx, o.image);
    const options: ContainerCreateOptions = {
      name,
      Image: o.image,
      Cmd: ["sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"],
      Labels: { [LABELS.cluster]: ctx.cluster, [LABELS.role]: HELPER_ROLE, [VOLUME_LABELS.volume]: o.volume },
      HostConfig: {
        Mounts: [{ Type: "volume", Source: o.volume, Target: MOUNT, ReadOnly: o.readOnly }],
        NetworkMode: "none",
        RestartPolicy: { Name: "no" },
      },
    };
    const c = await ctx.calls.run("create-helper", (abortSignal) =>
      ctx.docker.createContainer({ ...options, abortSignal }),
    );
    await ctx.calls.run("start-helper", (abortSignal) =>
      ctx.docker.getContainer(c.id).start({ abortSignal }),
    );
    return new VolumeHelper(ctx, c.id, o.timeoutMs);
  }

  /** The volume's content as a tar stream (entries relative to the volume's root). */
  archive(): Promise<NodeJS.ReadableStream> {
    return this.ctx.calls.run(
      "archive-out",
      () => this.ctx.streaming.getContainer(this.id).getArchive({ path: `${MOUNT}/.` }),
      { retries: 0, timeoutMs: this.timeoutMs },
    );
  }

  /** Unpack a tar stream into the volume. */
  async extract(tar: NodeJS.ReadableStream): Promise<void> {
    await this.ctx.calls.run(
      "archive-in",
      () => this.ctx.streaming.getContainer(this.id).putArchive(tar, { path: MOUNT }),
      { retries: 0, timeoutMs: this.timeoutMs },
    );
  }

  /** Empties the volume: only ever done to a copy target gitfleet made itself, before copying again. */
  async clear(): Promise<void> {
    const r = await this.exec(["sh", "-c", `find ${MOUNT} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`]);
    if (r.exitCode !== 0)
      throw this.fail("clear-volume", `clearing the copy target failed: ${r.stderr.trim()}`);
  }

  async manifest(): Promise<VolumeManifest> {
    const r = await this.exec(["sh", "-c", MANIFEST_SCRIPT]);
    const [sum = "", bytes = "", files = ""] = r.stdout.trim().split("\n");
    const sha256 = sum.split(/\s+/)[0] ?? "";
    if (r.exitCode !== 0 || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw this.fail("manifest", `volume manifest failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    }
    return { sha256, bytes: Number(bytes.trim()), files: Number(files.trim()) };
  }

  async close(): Promise<void> {
    await removeQuietly(this.ctx, this.id);
  }

  private fail(op: string, message: string): DockerError {
    return new DockerError("unknown", message, { host: this.ctx.host, op });
  }

  private async exec(cmd: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const docker = this.ctx.streaming;
    const exec = await this.ctx.calls.run("exec-create", () =>
      docker
        .getContainer(this.id)
        .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, Tty: false }),
    );
    const stream = await this.ctx.calls.run("exec-start", () => exec.start({ hijack: true, stdin: false }), {
      retries: 0,
    });
    const output = await execCollect(docker, stream, {
      timeoutMs: this.timeoutMs,
      timedOut: () =>
        new DockerError("timeout", `${cmd.join(" ")} did not finish within ${this.timeoutMs} ms`, {
          host: this.ctx.host,
          op: "exec",
        }),
    });
    const info = await this.ctx.calls.run("exec-inspect", () => exec.inspect(), { lane: "read" });
    return { exitCode: info.ExitCode ?? -1, ...output };
  }
}

export interface CopyTarget {
  /** Docker's volume name (the same on both hosts). */
  readonly volume: string;
  readonly source: string;
  readonly service: string;
  readonly slot: string;
  /** The host the data comes from. */
  readonly from: string;
}

/**
 * The volume that receives a copy: created with the copy-of label, or reused
 * when an earlier, unfinished copy from the same host left it. Any other
 * volume of that name is someone's data: refused, never overwritten.
 */
export async function prepareCopyTarget(ctx: HostContext, t: CopyTarget): Promise<"created" | "reused"> {
  try {
    const v = (await ctx.calls.run("inspect-volume", () => ctx.docker.getVolume(t.volume).inspect(), {
      lane: "read",
    })) as { Labels?: Record<string, string> | null };
    const labels = v.Labels ?? {};
    if (
      labels[VOLUME_LABELS.copyOf] === t.from &&
      labels[LABELS.service] === t.service &&
      labels[LABELS.slot] === t.slot
    ) {
      return "reused";
    }
    throw new DockerError(
      "conflict",
      `volume ${t.volume} already exists on ${ctx.host}: it is not overwritten`,
      {
        host: ctx.host,
        op: "create-volume",
      },
    );
  } catch (err) {
    if (!is(err, "not-found")) throw err;
  }
  await ctx.calls.run("create-volume", () =>
    ctx.docker.createVolume({
      Name: t.volume,
      Driver: "local",
      Labels: {
        [LABELS.cluster]: ctx.cluster,
        [LABELS.service]: t.service,
        [LABELS.slot]: t.slot,
        [VOLUME_LABELS.volume]: t.source,
        [VOLUME_LABELS.copyOf]: t.from,
      },
    }),
  );
  return "created";
}

/**
 * Marks a volume whose data now lives on `by`: a stopped container labelled
 * superseded-by, mounting the volume (so prune never takes it). Idempotent.
 */
export async function markSuperseded(
  ctx: HostContext,
  o: { readonly volume: string; readonly by: string; readonly image: string },
): Promise<void> {
  const name = `${o.volume}-superseded`;
  await ensureImage(ctx, o.image);
  try {
    await ctx.calls.run("create-marker", (abortSignal) =>
      ctx.docker.createContainer({
        name,
        Image: o.image,
        Cmd: ["true"],
        Labels: {
          [LABELS.cluster]: ctx.cluster,
          [LABELS.role]: SUPERSEDED_ROLE,
          [VOLUME_LABELS.volume]: o.volume,
          [VOLUME_LABELS.supersededBy]: o.by,
        },
        HostConfig: {
          Mounts: [{ Type: "volume", Source: o.volume, Target: MOUNT, ReadOnly: true }],
          NetworkMode: "none",
        },
        abortSignal,
      }),
    );
  } catch (err) {
    if (!is(err, "conflict")) throw err;
    const c = await ctx.calls.run("inspect", () => ctx.docker.getContainer(name).inspect(), { lane: "read" });
    const labels = c.Config.Labels ?? {};
    if (labels[VOLUME_LABELS.supersededBy] !== o.by || labels[LABELS.cluster] !== ctx.cluster) {
      throw new DockerError("conflict", `${name} exists on ${ctx.host} and says otherwise`, {
        host: ctx.host,
        op: "create-marker",
      });
    }
  }
}

async function removeQuietly(ctx: HostContext, ref: string): Promise<void> {
  try {
    await ctx.calls.run("remove-helper", () => ctx.docker.getContainer(ref).remove({ force: true }));
  } catch (err) {
    if (!is(err, "not-found", "conflict")) throw err;
  }
}
