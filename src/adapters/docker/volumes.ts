// Our named volumes on one host, rebuilt from what Docker reports: the slot
// that owns each comes from the volume's own labels (set when it was created,
// immutable since), and a volume whose data was moved elsewhere is marked by
// a stopped marker container beside it, since a volume's labels cannot change.

import { LABELS } from "../../model/observed.js";
import { SUPERSEDED_ROLE, VOLUME_LABELS, type ObservedVolume } from "../../model/volumes.js";
import type { HostContext } from "./context.js";

export async function listVolumes(ctx: HostContext): Promise<ObservedVolume[]> {
  const clusterLabel = `${LABELS.cluster}=${ctx.cluster}`;
  const [list, markers] = await Promise.all([
    ctx.calls.run(
      "list-volumes",
      (signal) => ctx.api.listVolumes({ filters: { label: [clusterLabel] } }, { signal }),
      { lane: "read" },
    ),
    ctx.calls.run(
      "list-markers",
      (signal) =>
        ctx.api.listContainers(
          { all: true, filters: { label: [clusterLabel, `${LABELS.role}=${SUPERSEDED_ROLE}`] } },
          { signal },
        ),
      { lane: "read" },
    ),
  ]);
  const superseded = new Map<string, string>();
  for (const m of markers) {
    const volume = m.Labels[VOLUME_LABELS.volume];
    const by = m.Labels[VOLUME_LABELS.supersededBy];
    if (volume !== undefined && by !== undefined) superseded.set(volume, by);
  }
  const prefix = `gf-${ctx.cluster}-`;
  return (list.Volumes ?? []).map((v): ObservedVolume => {
    const labels = v.Labels ?? {};
    const service = labels[LABELS.service];
    const slot = labels[LABELS.slot];
    const copyOf = labels[VOLUME_LABELS.copyOf];
    const by = superseded.get(v.Name);
    const created = v.CreatedAt === undefined ? NaN : Date.parse(v.CreatedAt);
    return {
      host: ctx.host,
      name: v.Name,
      source: labels[VOLUME_LABELS.volume] ?? (v.Name.startsWith(prefix) ? v.Name.slice(prefix.length) : ""),
      driver: v.Driver,
      ...(service !== undefined && slot !== undefined ? { service, slot } : {}),
      createdAt: Number.isFinite(created) ? created : 0,
      ...(copyOf !== undefined ? { copyOf } : {}),
      ...(by !== undefined ? { supersededBy: by } : {}),
    };
  });
}

/** Bytes used per volume name, as `docker system df` measures them (costly: call rarely). */
export async function volumeSizes(ctx: HostContext): Promise<Map<string, number>> {
  const df = (await ctx.calls.run("df", () => ctx.docker.df() as Promise<unknown>, {
    lane: "read",
    timeoutMs: Math.max(ctx.callTimeoutMs, 60_000),
  })) as { Volumes?: Array<{ Name?: string; UsageData?: { Size?: number } | null }> | null };
  const out = new Map<string, number>();
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size;
    if (v.Name !== undefined && typeof size === "number" && size >= 0) out.set(v.Name, size);
  }
  return out;
}
