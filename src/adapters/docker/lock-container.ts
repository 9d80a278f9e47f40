// The cluster lock's record on one Docker host: a container that is created and
// never started, named per cluster, so Docker's 409 on its name makes taking it
// atomic. Who holds it is in its labels (readable with `docker ps -a`); the
// lease, renewed every few seconds, is a small file put into the container's
// filesystem (the Docker API lets one write into a container that never ran).

import { Readable } from "node:stream";
import type { LockIdentity, LockLease, LockRecord } from "../../model/lock.js";
import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";
import { ensureImage } from "./images.js";
import { firstFileOfTar, singleFileTar } from "./tar.js";

/** Label keys of the lock container (not gitfleet.cluster: it is no replica and no edge). */
export const LOCK_LABELS = {
  cluster: "gitfleet.lock",
  instance: "gitfleet.lock.instance",
  host: "gitfleet.lock.host",
  pid: "gitfleet.lock.pid",
  started: "gitfleet.lock.started",
} as const;

const LEASE_FILE = "gitfleet-lease.json";

export const lockContainerName = (cluster: string): string => `gf-${cluster}-lock`;

const isCode = (err: unknown, ...codes: string[]): boolean =>
  err instanceof DockerError && codes.includes(err.code);

export async function readLock(ctx: HostContext): Promise<LockRecord | undefined> {
  const name = lockContainerName(ctx.cluster);
  let info;
  try {
    info = await ctx.calls.run("inspect-lock", () => ctx.docker.getContainer(name).inspect(), {
      lane: "read",
    });
  } catch (err) {
    if (isCode(err, "not-found")) return undefined;
    throw err;
  }
  const l = info.Config.Labels ?? {};
  const holder: LockIdentity = {
    instance: l[LOCK_LABELS.instance] ?? "",
    host: l[LOCK_LABELS.host] ?? "",
    pid: Number(l[LOCK_LABELS.pid] ?? 0),
    started: Number(l[LOCK_LABELS.started] ?? 0),
  };
  let lease: LockLease | undefined;
  try {
    const stream = await ctx.calls.run(
      "read-lease",
      () => ctx.docker.getContainer(info.Id).getArchive({ path: `/${LEASE_FILE}` }),
      { lane: "read" },
    );
    lease = parseLease(firstFileOfTar(await readAll(stream)));
  } catch (err) {
    // Created but not written yet (a contender between its two calls): no lease yet.
    if (!isCode(err, "not-found")) throw err;
  }
  return { id: info.Id, holder, lease };
}

/** Create the lock container holding `holder`'s identity; "exists" when someone has it. */
export async function createLock(
  ctx: HostContext,
  image: string,
  holder: LockIdentity,
  lease: LockLease,
): Promise<{ id: string } | "exists"> {
  await ensureImage(ctx, image);
  try {
    const c = await ctx.calls.run("create-lock", () =>
      ctx.docker.createContainer({
        name: lockContainerName(ctx.cluster),
        Image: image,
        Entrypoint: ["true"],
        Cmd: [],
        NetworkDisabled: true,
        Labels: {
          [LOCK_LABELS.cluster]: ctx.cluster,
          [LOCK_LABELS.instance]: holder.instance,
          [LOCK_LABELS.host]: holder.host,
          [LOCK_LABELS.pid]: String(holder.pid),
          [LOCK_LABELS.started]: String(holder.started),
        },
      }),
    );
    await writeLease(ctx, c.id, lease);
    return { id: c.id };
  } catch (err) {
    if (isCode(err, "conflict")) return "exists";
    throw err;
  }
}

export async function writeLease(ctx: HostContext, id: string, lease: LockLease): Promise<void> {
  await ctx.calls.run("write-lease", () =>
    ctx.docker.getContainer(id).putArchive(leaseTar(lease), { path: LEASE_DIR }),
  );
}

/** Where the lease file goes in the lock container. */
export const LEASE_DIR = "/";

/**
 * The lease as the one-file archive put into the lock container. Built on every renewal (30 a
 * second at 300 hosts), so from a kept archive per content length: the header (its checksum
 * included) depends only on that length, and the content goes in its place.
 */
export function leaseTar(lease: LockLease): Buffer {
  const content = leaseContent(lease);
  const template = leaseTemplate(Buffer.byteLength(content));
  const tar = Buffer.allocUnsafe(template.length);
  template.copy(tar);
  tar.write(content, TAR_HEADER_BYTES, "utf8");
  return tar;
}

/**
 * leaseTar() for the heartbeat's beats, which copy it at once into their request: one archive per
 * content length, the content written over the last one's, valid until the next call. A new
 * buffer and two copies of it per renewal (45 a second at 300 hosts) were a third of a beat's
 * garbage and of its copying.
 */
export function leaseTarShared(lease: LockLease): Buffer {
  const content = leaseContent(lease);
  const length = Buffer.byteLength(content);
  let shared = sharedLeases.get(length);
  if (shared === undefined) {
    shared = Buffer.from(leaseTemplate(length));
    sharedLeases.set(length, shared);
  }
  shared.write(content, TAR_HEADER_BYTES, "utf8");
  return shared;
}

function leaseContent(lease: LockLease): string {
  return `${JSON.stringify({ renewals: lease.renewals, lease_ms: lease.leaseMs })}\n`;
}

/** The lease's archive with blank content of this length (see leaseTar). */
function leaseTemplate(length: number): Buffer {
  let template = leaseTemplates.get(length);
  if (template === undefined) {
    template = singleFileTar(LEASE_FILE, " ".repeat(length));
    leaseTemplates.set(length, template);
  }
  return template;
}

const TAR_HEADER_BYTES = 512;
/** Content length → the lease's archive with blank content (a handful: the length grows with the counter). */
const leaseTemplates = new Map<number, Buffer>();
/** Content length → leaseTarShared()'s archive (a handful, 2 KiB each, for the process). */
const sharedLeases = new Map<number, Buffer>();

/** Remove the lock container with this id (never by name: that could be a newer holder's). */
export async function removeLock(ctx: HostContext, id: string): Promise<void> {
  try {
    await ctx.calls.run("remove-lock", () => ctx.docker.getContainer(id).remove({ force: true }));
  } catch (err) {
    if (!isCode(err, "not-found", "conflict")) throw err;
  }
}

function parseLease(text: string | undefined): LockLease | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { renewals?: unknown; lease_ms?: unknown };
    if (typeof v.renewals !== "number" || typeof v.lease_ms !== "number") return undefined;
    return { renewals: v.renewals, leaseMs: v.lease_ms };
  } catch {
    return undefined;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as Readable) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}
