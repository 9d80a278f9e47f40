// From a host's `docker:` address (and `tls:` directory name) to dockerode's
// connection options. TLS material comes from the operator's secret store,
// never from Git: <tls>/ca.pem, <tls>/cert.pem, <tls>/key.pem; for SSH the
// pinned host keys and the client key (see ../ssh/material.ts).

import type { Agent } from "node:http";
import type { DockerOptions } from "dockerode";
import type { SecretStore } from "../../ports/index.js";
import { readSecretFile } from "../system/secret-files.js";
import { SshClient } from "../ssh/client.js";
import { secretStoreMaterial, SSH_SECRETS } from "../ssh/material.js";
import { DockerError } from "./errors.js";
import { DialStdioAgent } from "./ssh-agent.js";

export interface Endpoint {
  readonly name: string;
  /** unix:///path | tcp://host:port | ssh://user@host[:port] */
  readonly docker: string;
  /** Name of a directory in the secret store holding ca.pem, cert.pem, key.pem (ssh: id_key, optional). */
  readonly tls?: string;
}

/** dockerode passes `agent` on to docker-modem, which gives it to every request. */
export type ConnectionOptions = DockerOptions & { readonly agent?: Agent };

// eslint-disable-next-line max-lines-per-function -- one case per engine address form (unix, tcp, tls, ssh), each a few lines, over one shared base
export async function connectionOptions(
  endpoint: Endpoint,
  secrets?: SecretStore,
): Promise<ConnectionOptions> {
  const fail = (message: string, code: "tls" | "bad-request" = "bad-request"): DockerError =>
    new DockerError(code, message, { host: endpoint.name, op: "connect" });
  let url: URL;
  try {
    url = new URL(endpoint.docker);
  } catch {
    throw fail(`invalid docker address ${JSON.stringify(endpoint.docker)}`);
  }
  // Every field is set explicitly: docker-modem merges DOCKER_HOST & co. from
  // the environment under what we pass, and that must not leak in.
  const base: ConnectionOptions = { host: undefined, port: undefined, socketPath: undefined };
  switch (url.protocol) {
    case "unix:":
      return { ...base, socketPath: decodeURIComponent(url.pathname) };
    case "tcp:":
    case "http:":
    case "https:": {
      const tls = endpoint.tls !== undefined || url.protocol === "https:";
      const port = url.port || (tls ? "2376" : "2375");
      if (!tls) return { ...base, protocol: "http", host: url.hostname, port };
      if (endpoint.tls === undefined || secrets === undefined)
        throw fail("https needs a tls directory", "tls");
      const read = async (file: string): Promise<Buffer> => {
        try {
          return await readSecretFile(secrets.path(`${endpoint.tls}/${file}`));
        } catch (err) {
          throw fail(
            `cannot read ${file} of TLS directory ${JSON.stringify(endpoint.tls)}: ${String(err)}`,
            "tls",
          );
        }
      };
      const [ca, cert, key] = await Promise.all([read("ca.pem"), read("cert.pem"), read("key.pem")]);
      return { ...base, protocol: "https", host: url.hostname, port, ca, cert, key };
    }
    case "ssh:": {
      // The host key is checked against ssh/known_hosts before anything is
      // sent; the client key is the host's own <tls>/id_key, else ssh/id_key.
      const keyNames = [
        ...(endpoint.tls !== undefined ? [`${endpoint.tls}/id_key`] : []),
        SSH_SECRETS.engineKey,
      ];
      const ssh = new SshClient({
        target: {
          host: url.hostname,
          port: url.port ? Number(url.port) : 22,
          username: decodeURIComponent(url.username) || "root",
        },
        material: secretStoreMaterial({ secrets, keyNames, agent: process.env["SSH_AUTH_SOCK"] }),
      });
      // Plain HTTP over channels that the agent opens: docker-modem's own
      // ssh mode would skip the host key check.
      return {
        ...base,
        protocol: "http",
        host: url.hostname,
        port: url.port || "22",
        agent: new DialStdioAgent(ssh),
      };
    }
    default:
      throw fail(`unsupported docker address scheme ${url.protocol}`);
  }
}
