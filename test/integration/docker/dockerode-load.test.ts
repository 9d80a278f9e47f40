// dockerode is loaded without its BuildKit session nor docker-modem's SSH mode
// (src/adapters/docker/dockerode.ts): in a fresh process, loading the Docker
// adapter loads neither gRPC, protobufjs nor ssh2, and dockerode still makes
// its calls.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

const PROBE = `
import { createRequire } from "node:module";
const { DockerHost } = await import("./src/adapters/docker/index.ts");
const { default: Docker, sessionStandIn } = await import("./src/adapters/docker/dockerode.ts");
const require = createRequire(import.meta.url);
const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(@grpc|protobufjs|@protobufjs|ssh2)\\//.test(k));
let call = "";
try {
  await new Docker({ socketPath: "/nonexistent/docker.sock" }).ping();
} catch (err) {
  call = String(err.code ?? err.message);
}
console.log(JSON.stringify({ host: typeof DockerHost, sessionStandIn, loaded: loaded.length, call }));
`;

describe("loading dockerode", () => {
  it(
    "leaves out its BuildKit session (gRPC, protobufjs) and SSH mode (ssh2), and still calls the engine",
    { timeout: 60_000 },
    async () => {
      const { stdout } = await run(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", PROBE],
        {
          cwd: process.cwd(),
        },
      );
      const out = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
        host: string;
        sessionStandIn: boolean;
        loaded: number;
        call: string;
      };
      expect(out.loaded).toBe(0);
      expect(out.host).toBe("function");
      expect(out.sessionStandIn).toBe(true);
      // A real request went out through dockerode (and found no socket there).
      expect(out.call).toBe("ENOENT");
    },
  );
});
