// One initial sync in a process of its own, so its peak RSS is the sync's:
// argv = url, user, password, cache dir. Prints {ms, maxRssBytes, ok}.

import { openGitDesired } from "../src/daemon/git-desired.js";

const [url = "", username = "", password = "", cacheDir = ""] = process.argv.slice(2);
const started = performance.now();
const source = await openGitDesired({
  repository: { url, auth: { username, password } },
  cacheDir,
  timeoutMs: 120_000,
});
const snap = await source.poll();
const ms = performance.now() - started;
await source.close();
process.stdout.write(
  `${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, ok: snap.desired !== undefined, error: snap.outage?.error ?? snap.rejected?.errors[0]?.message })}\n`,
);
process.exit(0);
