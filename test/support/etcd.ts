// A real etcd (Debian's etcd-server) for tests: single members or a cluster of
// several, each on loopback ports chosen free, with its data in a temp dir.
// Members can be killed, paused and resumed as the HA drills need.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  /** The member's process (a new one after restart()). */
  readonly process: ChildProcess;
  kill(): void;
  pause(): void;
  resume(): void;
  /** Starts a killed member again on its data dir (it rejoins the cluster); resolves once healthy. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  readonly endpoints: readonly string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === "true") return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${url} not healthy within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `size` etcd members forming one cluster; resolves when all report healthy. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gitfleet-etcd-"));
  const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const peer = (i: number): string => `http://127.0.0.1:${ports[size + i]}`;
  const client = (i: number): string => `http://127.0.0.1:${ports[i]}`;
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(",");
  const spawnMember = (name: string, i: number): ChildProcess => {
    const child = spawn(
      "etcd",
      [
        `--name=${name}`,
        `--data-dir=${path.join(dir, name)}`,
        `--listen-client-urls=${client(i)}`,
        `--advertise-client-urls=${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-state=new",
        "--initial-cluster-token=gitfleet-test",
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr?.resume();
    return child;
  };
  const members = names.map((name, i): EtcdMember => {
    let child = spawnMember(name, i);
    return {
      name,
      clientUrl: client(i),
      get process() {
        return child;
      },
      kill: () => child.kill("SIGKILL"),
      pause: () => child.kill("SIGSTOP"),
      resume: () => child.kill("SIGCONT"),
      async restart() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          await new Promise((r) => child.once("exit", r));
        }
        // Its data dir holds the membership: the initial-cluster flags are ignored now.
        child = spawnMember(name, i);
        await healthy(client(i), 30_000);
      },
    };
  });
  await Promise.all(members.map((m) => healthy(m.clientUrl, 30_000)));
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    async stop() {
      for (const m of members) {
        m.process.kill("SIGCONT");
        m.process.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The member that leads the Raft group now (asked of each member in turn), if one does. */
export async function raftLeader(cluster: EtcdCluster): Promise<EtcdMember | undefined> {
  for (const m of cluster.members) {
    try {
      const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, {
        method: "POST",
        body: "{}",
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
      if (body.leader === undefined || body.leader === "0") continue;
      if (body.header?.member_id === body.leader) return m;
      // This member knows the leader's id but is not it: ask the others.
    } catch {
      // down or paused: the next member
    }
  }
  return undefined;
}
