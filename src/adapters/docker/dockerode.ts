// dockerode without what gitfleet never uses of it. dockerode's entry requires
// lib/session.js at load, and with it @grpc/grpc-js, @grpc/proto-loader and
// protobufjs, for one thing only: `buildImage` with `version: "2"` (gitfleet
// pulls images, it builds none); docker-modem requires its own SSH mode, and
// with it ssh2, for `protocol: "ssh"`, which gitfleet never sets (SSH hosts
// go over ../ssh's client, which checks the host key, as plain HTTP on its
// channels). Loaded, they are about 4 MiB of the operator's heap and 12 MiB
// of its resident set (measured: dockerode's load 5.6 → 1.5 MiB of heap,
// 23 → 11–12 MiB of RSS), at any fleet size, and their load time at each
// start. Here both modules are put in the CommonJS cache as stand-ins that
// fail if ever called, before dockerode is required, so the real ones are
// never loaded; everything else of dockerode is as it is. Every runtime use
// of dockerode imports it from here.

import { createRequire, Module } from "node:module";
import type Dockerode from "dockerode";

const require = createRequire(import.meta.url);

/** The stand-in's error: a BuildKit build was asked for (gitfleet makes none). */
export const NO_BUILDKIT_SESSION =
  "dockerode's BuildKit session is not loaded by gitfleet (it builds no images)";

/** The other stand-in's error: docker-modem's own SSH mode was asked for (gitfleet never sets it). */
export const NO_MODEM_SSH =
  "docker-modem's own SSH mode is not loaded by gitfleet (SSH hosts use its own client)";

/** Whether the stand-in is what dockerode holds (false: dockerode was loaded before, with its own). */
export let sessionStandIn = false;

/** Puts a stand-in for the module at `path` in the CommonJS cache, unless it is loaded already. */
function standIn(path: string, exports: unknown): boolean {
  if (require.cache[path] !== undefined) return false;
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  require.cache[path] = m;
  return true;
}

const dockerodeMain = require.resolve("dockerode");
sessionStandIn = standIn(require.resolve("dockerode/lib/session.js"), function withSession(): never {
  throw new Error(NO_BUILDKIT_SESSION);
});
// docker-modem's own SSH mode (`protocol: "ssh"`), which gitfleet never uses (it skips the host key
// check; SSH hosts go over ../ssh's client as plain HTTP on its channels): without it docker-modem
// does not load ssh2, which is loaded by the first SSH connection only (../ssh/client.ts).
standIn(createRequire(dockerodeMain).resolve("docker-modem/lib/ssh.js"), function sshAgent(): never {
  throw new Error(NO_MODEM_SSH);
});

/** dockerode's client class (the default export of "dockerode"), as a value and as a type. */
const Docker = require("dockerode") as typeof Dockerode;
type Docker = Dockerode;
export { Docker as default };
