// A real OpenSSH server (Debian's openssh-server) for tests: `sshd -D` on a
// free loopback port, run by the test as a child process, with its own host
// key, config and authorized_keys under a temporary directory (never the
// machine's /etc/ssh). The client's key is a deploy key the way forges use
// one: `restrict`ed, with a forced command that only lets git-upload-pack and
// git-receive-pack run, and logs every command (tests count them).

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export class SshdTestServer {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
    /** "[127.0.0.1]:PORT ssh-ed25519 AAAA…": the right pin. */
    readonly knownHostsLine: string,
    /** The deploy key's private key file (OpenSSH format, mode 0600). */
    readonly clientKey: string,
    private readonly commandLog: string,
    private output: { text: string },
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  static async start(dir: string): Promise<SshdTestServer> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // sshd's privilege separation directory (compiled in; empty, root-owned).
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const hostKey = path.join(dir, "host_ed25519_key");
    const clientKey = path.join(dir, "deploy_key");
    await keygen(hostKey, "gitfleet-test-sshd");
    await keygen(clientKey, "gitfleet-test-deploy-key");
    const commandLog = path.join(dir, "commands.log");
    await writeFile(commandLog, "");
    const forced = path.join(dir, "git-only.sh");
    await writeFile(
      forced,
      [
        "#!/bin/sh",
        `echo "$SSH_ORIGINAL_COMMAND" >> ${commandLog}`,
        'case "$SSH_ORIGINAL_COMMAND" in',
        `  "git-upload-pack '"*|"git-receive-pack '"*) exec sh -c "$SSH_ORIGINAL_COMMAND" ;;`,
        '  *) echo "this key may only run git-upload-pack and git-receive-pack" >&2; exit 1 ;;',
        "esac",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const pub = (await readFile(`${clientKey}.pub`, "utf8")).trim();
    await writeFile(path.join(dir, "authorized_keys"), `restrict,command="${forced}" ${pub}\n`);
    const port = await freePort();
    const config = path.join(dir, "sshd_config");
    await writeFile(
      config,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PrintMotd no",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const output = { text: "" };
    child.stderr?.on("data", (d: Buffer) => (output.text += d.toString()));
    const hostPub = (await readFile(`${hostKey}.pub`, "utf8")).split(" ");
    const server = new SshdTestServer(
      child,
      dir,
      port,
      `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}`,
      clientKey,
      commandLog,
      output,
    );
    await server.waitListening();
    return server;
  }

  /** The commands the deploy key ran so far, oldest first. */
  async commands(): Promise<string[]> {
    return (await readFile(this.commandLog, "utf8")).split("\n").filter(Boolean);
  }

  /** What sshd logged (stderr, -e). */
  get log(): string {
    return this.output.text;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }

  private async waitListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`sshd exited: ${this.output.text}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`sshd did not listen on ${this.port}: ${this.output.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function keygen(file: string, comment: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
