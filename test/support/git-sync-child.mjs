// One initial sync in a process of its own, so its peak RSS is the sync's:
// argv = from, url, user, password, cache dir. `from` is "dist" (the built
// operator, as production runs it: plain node, no tsx; `npm run build`
// first) or "src" (the sources: run under `node --import tsx`). Plain
// JavaScript, so that the "dist" run loads no TypeScript machinery at all.
// Prints {ms, processMs, maxRssBytes, ok, error, progress}: ms from opening
// the source to the desired state (the operator's modules loaded before),
// processMs since the process started; progress is the last "receiving"
// report (objects received / total) and how many reports there were.

/* global process, performance */

const [from = "", url = "", username = "", password = "", cacheDir = ""] = process.argv.slice(2);
const entry = { dist: "../../dist/daemon/git-desired.js", src: "../../src/daemon/git-desired.ts" }[from];
if (entry === undefined)
  throw new Error(`the first argument is "dist" or "src", not ${JSON.stringify(from)}`);
const { openGitDesired } = await import(entry);
let last;
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
const done = performance.now();
await source.close();
process.stdout.write(
  `${JSON.stringify({
    ms: done - started,
    processMs: done,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ok: snap.desired !== undefined,
    error: snap.outage?.error ?? snap.rejected?.errors[0]?.message,
    progress: { last, reports },
  })}\n`,
);
process.exit(0);
