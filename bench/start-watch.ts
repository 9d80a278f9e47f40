// Watches Docker hosts' event streams for container starts and reports when
// the Nth distinct container matching some labels started, by the daemon's own
// clock (the event's timeNano; the daemons run on this machine, so it is the
// same clock as Date.now()). Both sides of the cold-start benchmark are timed
// this way, so neither pays a sampling delay.

import type Docker from "dockerode";

export interface StartWatch {
  /** Resolves once every host's stream is open (subscribe before starting the work). */
  readonly ready: Promise<void>;
  /** Epoch ms of the last of `count` starts, and of each host's first and last start. */
  readonly done: Promise<Starts>;
  close(): void;
}

export interface Starts {
  readonly last: number;
  readonly perHost: ReadonlyMap<string, { first: number; last: number; count: number }>;
}

interface DockerEvent {
  readonly status?: string;
  readonly Action?: string;
  readonly id?: string;
  readonly timeNano?: number;
}

export function watchStarts(
  hosts: readonly { name: string; docker: Docker }[],
  labels: readonly string[],
  count: number,
  timeoutMs: number,
): StartWatch {
  const seen = new Map<string, { host: string; at: number }>();
  const streams: NodeJS.ReadableStream[] = [];
  let settle: ((s: Starts) => void) | undefined;
  let fail: ((e: Error) => void) | undefined;
  const done = new Promise<Starts>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const timer = setTimeout(
    () => fail?.(new Error(`only ${seen.size} of ${count} containers started within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const finish = (): void => {
    const perHost = new Map<string, { first: number; last: number; count: number }>();
    for (const { host, at } of seen.values()) {
      const h = perHost.get(host);
      perHost.set(
        host,
        h === undefined
          ? { first: at, last: at, count: 1 }
          : { first: Math.min(h.first, at), last: Math.max(h.last, at), count: h.count + 1 },
      );
    }
    clearTimeout(timer);
    settle?.({ last: Math.max(...[...seen.values()].map((s) => s.at)), perHost });
  };
  const ready = Promise.all(
    hosts.map(async ({ name, docker }) => {
      const stream = (await docker.getEvents({
        filters: { type: ["container"], event: ["start"], label: [...labels] },
      })) as NodeJS.ReadableStream;
      streams.push(stream);
      let buffered = "";
      stream.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim() === "") continue;
          const e = JSON.parse(line) as DockerEvent;
          if (e.id === undefined || e.timeNano === undefined || seen.has(e.id)) continue;
          seen.set(e.id, { host: name, at: e.timeNano / 1e6 });
          if (seen.size === count) finish();
        }
      });
      stream.on("error", (err: Error) => fail?.(err));
    }),
  ).then(() => undefined);
  return {
    ready,
    done,
    close: () => {
      clearTimeout(timer);
      for (const s of streams) (s as unknown as { destroy?: () => void }).destroy?.();
    },
  };
}
