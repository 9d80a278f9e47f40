// One initial sync in a process of its own, so its peak RSS is the sync's:
// argv = from, url, user, password, cache dir. `from` is "dist" (the built
// operator, as production runs it: plain node, no tsx; `npm run build`
// first) or "src" (the sources: run under `node --import tsx`). Plain
// JavaScript, so that the "dist" run loads no TypeScript machinery at all.
// Prints {ms, processMs, maxRssBytes, ok, error, progress}: ms from opening
// the source to the desired state (the operator's modules loaded before),
// processMs since the process started; progress is the last "receiving"
// report (objects received / total) and how many reports there were; phases
// are ms from the same start: the pack's first objects (the server has
// answered), every object received and inflated, the spec files handed to
// the spec loader (read from the pack, their ids computed), the desired
// state, the pack's remaining deltas being resolved, and its index complete;
// cpuMs is the process's CPU time (every thread) at the desired state.

/* global process, performance */

const [from = "", url = "", username = "", password = "", cacheDir = ""] = process.argv.slice(2);
const entry = { dist: "../../dist/daemon/git-desired.js", src: "../../src/daemon/git-desired.ts" }[from];
if (entry === undefined)
  throw new Error(`the first argument is "dist" or "src", not ${JSON.stringify(from)}`);
const { openGitDesired } = await import(entry);
let last;
let reports = 0;
const phases = {};
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const mark = (name) => {
  phases[name] ??= performance.now() - started;
};
const source = await openGitDesired({
  repository: { url, auth: { username, password } },
  cacheDir,
  timeoutMs: 120_000,
  onProgress: (p) => {
    reports += 1;
    if (p.phase === "receiving") {
      last = p;
      if (p.loaded > 0) mark("firstObjects");
      if (p.loaded === p.total) mark("received");
    } else mark("resolving");
  },
});
// The spec files handed to the loader's worker (GitDesired's loader, read here only to time it).
const loader = source.loader;
if (loader !== undefined && typeof loader.load === "function") {
  const load = loader.load.bind(loader);
  loader.load = (...args) => {
    mark("specsRead");
    return load(...args);
  };
}
const snap = await source.poll();
const done = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
mark("desired");
await source.close();
mark("indexed");
process.stdout.write(
  `${JSON.stringify({
    ms: done - started,
    processMs: done,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ok: snap.desired !== undefined,
    error: snap.outage?.error ?? snap.rejected?.errors[0]?.message,
    progress: { last, reports },
    phases,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
process.exit(0);
