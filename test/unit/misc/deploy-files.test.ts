// The install paths the README documents: the systemd unit passes systemd's own
// checker (when systemd-analyze is installed, as on Debian CI machines), and
// the unit and the image both run the operator with examples/operator.yaml's paths
// and with the Node flags of src/daemon/node-flags.ts.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { OPERATOR_NODE_FLAGS } from "../../../src/daemon/node-flags.js";

const root = resolve(import.meta.dirname, "../../..");
const unit = join(root, "deploy/systemd/gitfleet.service");
const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));

it.runIf(analyze !== undefined)(
  "systemd-analyze verify accepts deploy/systemd/gitfleet.service",
  async () => {
    const out = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(analyze ?? "", ["verify", unit], (err, _stdout, stderr) =>
        done({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );
    expect(out).toEqual({ code: 0, stderr: "" });
  },
);

it("the unit and the image run as a non-root user with /etc/gitfleet/operator.yaml", async () => {
  const service = await readFile(unit, "utf8");
  expect(service).toMatch(/^User=gitfleet$/m);
  expect(service).toMatch(/^ExecStart=.* run --config \/etc\/gitfleet\/operator\.yaml/m);
  expect(service).toMatch(/^RestartPreventExitStatus=2 5$/m);
  const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^CMD \["run", "--config", "\/etc\/gitfleet\/operator\.yaml"\]$/m);
  expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
  const example = await readFile(join(root, "examples/operator.yaml"), "utf8");
  expect(example).toContain("listen: 0.0.0.0:8080");
  expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
});

it("the image and the unit start node with the operator's flags (src/daemon/node-flags.ts)", async () => {
  expect(OPERATOR_NODE_FLAGS.length).toBeGreaterThan(0);
  const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  expect(JSON.parse(entry ?? "null")).toEqual(["node", ...OPERATOR_NODE_FLAGS, "/app/dist/cli/main.js"]);
  const service = await readFile(unit, "utf8");
  expect(service).toMatch(new RegExp(`^Environment=NODE_OPTIONS=${OPERATOR_NODE_FLAGS.join(" ")}$`, "m"));
});
