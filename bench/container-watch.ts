// Watches one Docker host's containers over its unix socket every 50 ms and
// reports when a new container (one not there before) of a given image was
// first seen running, then healthy. Both sides of the commit-to-running
// benchmark are observed by this same watcher, so its sampling delay (25 ms
// on average) is in both numbers alike.

import type Docker from "dockerode";

export const SAMPLE_MS = 50;

export interface Sighting {
  readonly id: string;
  /** ms from t0 until the container was first seen running. */
  readonly running: number;
  /** ms from t0 until first seen healthy; undefined when it has no healthcheck. */
  readonly healthy: number | undefined;
}

export interface Wanted {
  /** Label filters, "key=value" (all must match): which containers to look at. */
  readonly labels: readonly string[];
  readonly image: string;
  /** Containers that were there before: not the new one. */
  readonly exclude: ReadonlySet<string>;
  /** performance.now() of the moment measured from. */
  readonly t0: number;
  readonly timeoutMs: number;
}

export async function containerIds(docker: Docker, labels: readonly string[]): Promise<Set<string>> {
  const list = await docker.listContainers({ all: true, filters: { label: [...labels] } });
  return new Set(list.map((c) => c.Id));
}

/** "healthy", "unhealthy", "starting", or "" when the container has no healthcheck. */
export function healthOf(status: string): string {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace("health: ", "") ?? "";
}

export async function watchNew(docker: Docker, w: Wanted): Promise<Sighting> {
  let id: string | undefined;
  let running: number | undefined;
  for (let k = 1; ; k++) {
    const list = await docker.listContainers({ all: true, filters: { label: [...w.labels] } });
    const seenAt = performance.now() - w.t0;
    const c = list.find((x) =>
      id === undefined ? !w.exclude.has(x.Id) && x.Image === w.image && x.State === "running" : x.Id === id,
    );
    if (c !== undefined && c.State === "running") {
      id = c.Id;
      running ??= seenAt;
      const health = healthOf(c.Status);
      if (health === "") return { id, running, healthy: undefined };
      if (health === "healthy") return { id, running, healthy: seenAt };
      if (health === "unhealthy") throw new Error(`container ${id.slice(0, 12)} turned unhealthy`);
    } else if (id !== undefined) {
      throw new Error(`container ${id.slice(0, 12)} stopped before it was healthy`);
    }
    if (seenAt > w.timeoutMs) {
      throw new Error(`no new running ${w.image} (${w.labels.join(", ")}) within ${w.timeoutMs} ms`);
    }
    // Sample on a fixed 50 ms grid from t0, whatever each list call took.
    const wait = w.t0 + k * SAMPLE_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
