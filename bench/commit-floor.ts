// The floor of commit-to-running: what any tool must at least do to turn a
// pushed commit into a running container, done by hand with the fastest
// tools at hand: the git CLI fetches a fresh one-file commit from the same
// Git server (smart HTTP, basic auth, git http-backend) and the Docker API
// runs the same image on the same host (create + start, as `docker run -d`).
// The floor's commits go to their own branch, so the operator never sees them.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import { gitCli, WorkRepo } from "../test/support/git-fixtures.js";
import type { OperatorWorld } from "../test/e2e/operator/support.js";

export const FLOOR_BRANCH = "bench-floor";
/** Label of the floor's containers (not a gitfleet label: the operator leaves them alone). */
export const FLOOR_LABEL = "gitfleet-bench=floor";

export interface HealthSpec {
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
}

export class Floor {
  private commits = 0;

  private constructor(
    private readonly author: WorkRepo,
    private readonly fetchDir: string,
    private readonly docker: Docker,
    private readonly health: HealthSpec,
  ) {}

  /** A clone that commits to the floor branch, and one that fetches it over HTTP as the operator does. */
  static async create(world: OperatorWorld, docker: Docker, health: HealthSpec): Promise<Floor> {
    const author = await WorkRepo.clone(world.bare, path.join(world.dir, "floor-author"));
    await author.git(["checkout", "--quiet", "-b", FLOOR_BRANCH]);
    await author.commitAndPush({ "floor.txt": "0\n" }, "floor: start");
    const credentials = JSON.parse(await readFile(path.join(world.dir, "git-credentials.json"), "utf8")) as {
      username: string;
      password: string;
    };
    const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
    const fetchDir = path.join(world.dir, "floor-fetch");
    await gitCli(world.dir, [
      "-c",
      `http.extraHeader=Authorization: Basic ${basic}`,
      "clone",
      "--quiet",
      "--branch",
      FLOOR_BRANCH,
      world.server.url("fleet.git"),
      fetchDir,
    ]);
    await gitCli(fetchDir, ["config", "http.extraHeader", `Authorization: Basic ${basic}`]);
    return new Floor(author, fetchDir, docker, health);
  }

  /** Pushes a fresh one-file commit to the floor branch (not timed). */
  async commit(): Promise<void> {
    this.commits += 1;
    await this.author.commitAndPush({ "floor.txt": `${this.commits}\n` }, `floor: ${this.commits}`);
  }

  /** `git fetch` of the floor branch by the git CLI; resolves with its wall time in ms. */
  async fetch(): Promise<number> {
    const t0 = performance.now();
    await gitCli(this.fetchDir, ["fetch", "--quiet", "origin", FLOOR_BRANCH]);
    return performance.now() - t0;
  }

  /**
   * `docker run -d IMAGE` with the service's healthcheck; resolves with the API calls' wall time in ms.
   * With `network`, on that user-defined bridge (as `docker run -d --network NAME`), where gitfleet's
   * replicas run (the cluster network, so that names resolve).
   */
  async run(image: string, network?: string): Promise<number> {
    const t0 = performance.now();
    const container = await this.docker.createContainer({
      Image: image,
      Labels: { "gitfleet-bench": "floor" },
      ...(network !== undefined
        ? {
            HostConfig: { NetworkMode: network },
            NetworkingConfig: { EndpointsConfig: { [network]: {} } },
          }
        : {}),
      Healthcheck: {
        Test: [...this.health.test],
        Interval: this.health.intervalMs * 1e6,
        Timeout: this.health.timeoutMs * 1e6,
        Retries: this.health.retries,
      },
    });
    await container.start();
    return performance.now() - t0;
  }
}
