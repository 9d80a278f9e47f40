// HTTP to a Docker engine over SSH, the way the docker CLI does it: every
// HTTP connection is a channel running `docker system dial-stdio` on the
// remote host, which relays it to that host's daemon. Unlike docker-modem's
// own ssh mode (a new SSH handshake per request, no host key check), the
// channels share a kept-open, host-key-verified connection (SshClient) and
// are kept alive between requests like TCP sockets.

import http from "node:http";
import type { Duplex } from "node:stream";
import type { ClientChannel } from "ssh2";
import type { SshClient } from "../ssh/client.js";

const DIAL = "docker system dial-stdio";

export class DialStdioAgent extends http.Agent {
  constructor(readonly ssh: SshClient) {
    // Idle channels each hold a dial-stdio process on the host: keep few.
    super({ keepAlive: true, maxFreeSockets: 4 });
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.ssh.exec(DIAL).then(
      (channel) => callback?.(null, asSocket(channel)),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  // A channel has no TCP keep-alive and nothing to unref: keep it as it is.
  override keepSocketAlive(_socket: Duplex): boolean {
    return true;
  }

  override reuseSocket(_socket: Duplex, _request: http.ClientRequest): void {}

  override destroy(): void {
    super.destroy();
    this.ssh.close();
  }
}

/**
 * What Node's HTTP client calls on a socket besides reading and writing:
 * an idle timeout (emits "timeout", as net.Socket does) and no-op
 * keep-alive, no-delay, ref and unref.
 */
function asSocket(channel: ClientChannel): Duplex {
  let timer: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const arm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = idleMs > 0 ? setTimeout(() => channel.emit("timeout"), idleMs) : undefined;
    timer?.unref();
  };
  channel.on("data", arm);
  channel.once("close", () => {
    if (timer !== undefined) clearTimeout(timer);
  });
  const extra = {
    setTimeout(ms: number, onTimeout?: () => void) {
      idleMs = ms;
      if (onTimeout) channel.once("timeout", onTimeout);
      arm();
      return channel;
    },
    setNoDelay: () => channel,
    setKeepAlive: () => channel,
    ref: () => channel,
    unref: () => channel,
  };
  return Object.assign(channel, extra);
}
