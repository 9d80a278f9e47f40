// One initial sync in a process of its own, so its peak RSS is the sync's:
// argv = url, user, password, cache dir. Prints {ms, maxRssBytes, ok, error,
// progress}: progress is the last "receiving" report (objects received /
// total) and how many reports there were.

import { openGitDesired } from "../../src/daemon/git-desired.js";
import type { SyncProgress } from "../../src/adapters/git/pack-fetch.js";

const [url = "", username = "", password = "", cacheDir = ""] = process.argv.slice(2);
let last: SyncProgress | undefined;
let reports = 0;
const started = performance.now();
const source = await openGitDesired({
  repository: { url, auth: { username, password } },
  cacheDir,
  timeoutMs: 120_000,
  onProgress: (p) => {
    reports += 1;
    if (p.phase === "receiving") last = p;
  },
});
const snap = await source.poll();
const ms = performance.now() - started;
await source.close();
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ok: snap.desired !== undefined,
    error: snap.outage?.error ?? snap.rejected?.errors[0]?.message,
    progress: { last, reports },
  })}\n`,
);
process.exit(0);
