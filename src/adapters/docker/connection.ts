// From a host's `docker:` address (and `tls:` directory name) to dockerode's
// connection options. TLS material comes from the operator's secret store,
// never from Git: <tls>/ca.pem, <tls>/cert.pem, <tls>/key.pem.

import { readFile } from "node:fs/promises";
import type { DockerOptions } from "dockerode";
import type { SecretStore } from "../../model/ports.js";
import { readSecretFile } from "../system/secret-files.js";
import { DockerError } from "./errors.js";

export interface Endpoint {
  readonly name: string;
  /** unix:///path | tcp://host:port | ssh://user@host[:port] */
  readonly docker: string;
  /** Name of a directory in the secret store holding ca.pem, cert.pem, key.pem (ssh: id_key). */
  readonly tls?: string;
}

export async function connectionOptions(endpoint: Endpoint, secrets?: SecretStore): Promise<DockerOptions> {
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
  const base: DockerOptions = { host: undefined, port: undefined, socketPath: undefined };
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
      // Untested here (no sshd on the test bed): docker-modem runs
      // `docker system dial-stdio` over ssh2 on the remote host.
      const privateKey =
        endpoint.tls !== undefined && secrets !== undefined
          ? await readFile(secrets.path(`${endpoint.tls}/id_key`)).catch(() => undefined)
          : undefined;
      const agent = process.env["SSH_AUTH_SOCK"];
      return {
        ...base,
        protocol: "ssh",
        host: url.hostname,
        port: url.port || "22",
        username: decodeURIComponent(url.username) || "root",
        sshOptions: {
          ...(agent !== undefined ? { agent } : {}),
          ...(privateKey !== undefined ? { privateKey } : {}),
        },
      };
    }
    default:
      throw fail(`unsupported docker address scheme ${url.protocol}`);
  }
}
