// The Docker test bed (scripts/testbed.sh) as a typed API for tests: three real Docker
// hosts, each its own dockerd in its own network namespace, plus a local registry.
// The e2e global setup brings it up; tests only use it and reset it.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";

const run = promisify(execFile);

export interface TestbedHost {
  readonly name: string;
  /** The host's own address on the test bridge gfbr0. */
  readonly address: string;
  /** What gitfleet uses. Cutting the host's link really partitions this API. */
  readonly dockerUrl: string;
  /** Harness control: still answers when the host is cut off (not when frozen or killed). */
  readonly socketPath: string;
  /** Where the host's daemon takes subnets for new networks (daemons do not coordinate). */
  readonly addressPool: string;
}

function host(n: 1 | 2 | 3): TestbedHost {
  return {
    name: `h${n}`,
    address: `10.231.0.1${n}`,
    dockerUrl: `tcp://10.231.0.1${n}:2375`,
    socketPath: `/run/gitfleet-testbed/h${n}.sock`,
    addressPool: `10.24${n}.128.0/17`,
  };
}

export const TESTBED = {
  /** Plain-HTTP registry every test host trusts; images are pushed as REGISTRY/<name>:<tag>. */
  registry: "10.231.0.1:5000",
  hosts: [host(1), host(2), host(3)] as const,
} as const;

/** Images scripts/build-images.sh loads into every test host (and pushes to the registry). */
export const TESTBED_IMAGES = {
  busybox: "gitfleet/busybox:1.35",
  /** httpd on 8080: / says "web v1", /health says "ok", /cgi-bin/whoami the container's hostname. */
  web1: "gitfleet/web:1",
  web2: "gitfleet/web:2",
  /** Dynamically linked curl and getent: they resolve names through Docker's DNS. */
  toolbox: "gitfleet/toolbox:1",
  haproxy: "gitfleet/haproxy:2.6",
} as const;

export const TESTBED_SCRIPT = fileURLToPath(new URL("../../scripts/testbed.sh", import.meta.url));
export const BUILD_IMAGES_SCRIPT = fileURLToPath(new URL("../../scripts/build-images.sh", import.meta.url));

export function hostNamed(name: string): TestbedHost {
  const found = TESTBED.hosts.find((h) => h.name === name);
  if (found === undefined) throw new Error(`no test host named ${name}`);
  return found;
}

/** A client over the host's unix socket: for arranging and inspecting, even when cut off. */
export function dockerFor(target: TestbedHost, options: { timeoutMs?: number } = {}): Docker {
  return new Docker({ socketPath: target.socketPath, ...timeout(options.timeoutMs) });
}

/** A client over the host's TCP address, the way gitfleet reaches it. */
export function dockerOverTcp(target: TestbedHost, options: { timeoutMs?: number } = {}): Docker {
  return new Docker({ host: target.address, port: 2375, protocol: "http", ...timeout(options.timeoutMs) });
}

function timeout(ms: number | undefined): { timeout?: number } {
  return ms === undefined ? {} : { timeout: ms };
}

/** Runs one testbed.sh command; its own messages go to the error it throws on failure. */
export async function testbed(command: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("bash", [TESTBED_SCRIPT, command, ...args], { timeout: 180_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`testbed.sh ${[command, ...args].join(" ")} failed: ${String(stderr ?? error)}`, {
      cause: error,
    });
  }
}

/** SIGKILL the host's dockerd (its containers may keep running, as after a crash). */
export const killHost = (h: TestbedHost) => testbed("kill", h.name).then(() => undefined);
/** Starts a killed host's dockerd again, with the same data. */
export const startHost = (h: TestbedHost) => testbed("start", h.name).then(() => undefined);
/** SIGSTOP the host's dockerd: its API hangs, its containers keep serving. */
export const freezeHost = (h: TestbedHost) => testbed("freeze", h.name).then(() => undefined);
export const thawHost = (h: TestbedHost) => testbed("thaw", h.name).then(() => undefined);
/** Takes the host's link down: nothing reaches it, nor it anything, over the network. */
export const cutHost = (h: TestbedHost) => testbed("cut", h.name).then(() => undefined);
export const restoreHost = (h: TestbedHost) => testbed("restore", h.name).then(() => undefined);
/** Every host up, thawed and connected, with no containers and no unused networks. */
export const resetTestbed = () => testbed("reset").then(() => undefined);

const SSH_DIR = "/run/gitfleet-testbed/ssh";

/**
 * The test bed's OpenSSH server (testbed.sh `ensure_sshd`): in h1's network
 * namespace, logging root in by key only, with DOCKER_HOST set to h1's daemon.
 * Its host key and a client key are generated under the test bed's directory.
 */
export const TESTBED_SSH = {
  host: "h1",
  url: "ssh://root@10.231.0.11",
  address: "10.231.0.11",
  clientKey: `${SSH_DIR}/client_key`,
  /** "10.231.0.11 ssh-ed25519 AAAA...": the right pin. */
  knownHosts: `${SSH_DIR}/known_hosts`,
  hostKeyPub: `${SSH_DIR}/host_ed25519_key.pub`,
} as const;
