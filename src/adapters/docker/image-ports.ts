// The ports an image EXPOSEs, from image inspect. Images are immutable: what one image id
// exposes never changes, so each id is inspected once per host and remembered (forgotten when
// no container of ours uses it any more). A tag that moves is a new id, read again.

import type { ContainerCreateOptions } from "dockerode";
import { imageTcpPorts } from "../../model/image-ports.js";
import type { HostContext } from "./context.js";
import { inspectImage } from "./images.js";

/** Config.ExposedPorts keys ("5432/tcp"), sorted; undefined when the image is not there. */
export async function inspectImagePorts(ctx: HostContext, image: string): Promise<string[] | undefined> {
  const i = await inspectImage(ctx, image);
  if (i === undefined) return undefined;
  // Docker's type says ExposedPorts is always there; an image without EXPOSE has none at all.
  const exposed = (i.Config as { ExposedPorts?: Record<string, unknown> | null } | undefined)?.ExposedPorts;
  return Object.keys(exposed ?? {}).sort();
}

export class ImagePortsCache {
  private readonly byId = new Map<string, Promise<string[] | undefined>>();

  constructor(private readonly ctx: HostContext) {}

  /**
   * What image `id` exposes: read once. Never fails: a failed or empty-handed read is "not
   * known" (the observation goes on without it) and is tried again next time.
   */
  of(id: string): Promise<string[] | undefined> {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const reading = inspectImagePorts(this.ctx, id).catch((err: unknown) => {
      this.ctx.logger.debug({ image: id, err: String(err) }, "image not inspected: its ports not known");
      return undefined;
    });
    this.byId.set(id, reading);
    void reading.then((ports) => {
      if (ports === undefined && this.byId.get(id) === reading) this.byId.delete(id);
    });
    return reading;
  }

  /** Forget images no container of ours uses any more. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.byId.keys()]) if (!ids.has(id)) this.byId.delete(id);
  }
}

/**
 * A stack's replica publishes its image's TCP ports too (at most MAX_IMAGE_PORTS, the lowest),
 * on the host's address at an ephemeral port like its `expose:` ports: the names edge on another
 * host reaches it there. Ports the options bind already are left as they are.
 */
export function publishImagePorts(
  opts: ContainerCreateOptions,
  exposed: readonly string[],
  hostAddress: string,
): ContainerCreateOptions {
  const ports = imageTcpPorts(exposed).map((p) => `${p}/tcp`);
  const bindings = opts.HostConfig?.PortBindings as
    Record<string, Array<{ HostIp: string; HostPort: string }>> | undefined;
  if (bindings === undefined) return opts; // host network: the container's ports are the host's
  const add = ports.filter((k) => bindings[k] === undefined);
  if (add.length === 0) return opts;
  return {
    ...opts,
    ExposedPorts: { ...opts.ExposedPorts, ...Object.fromEntries(add.map((k) => [k, {}])) },
    HostConfig: {
      ...opts.HostConfig,
      PortBindings: {
        ...bindings,
        ...Object.fromEntries(add.map((k) => [k, [{ HostIp: hostAddress, HostPort: "" }]])),
      },
    },
  };
}
