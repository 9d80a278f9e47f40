// Public Compose files on the test bed with their images stood in for: each file as it is, byte for
// byte, except its images, which name gitfleet/standin:<ports>, an image built on the hosts from
// the test bed's busybox (no registry serves the published images there). See stacks.test.ts.

import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type Docker from "dockerode";
import { parseDocument } from "yaml";
import { TESTBED_IMAGES } from "./testbed.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

/** Files a user creates beside a Compose file from its project's sample (the corpus leaves them out). */
const CREATED: Record<string, Record<string, string>> = { "paperless-ngx": { "docker-compose.env": "" } };
const COMPOSE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

export interface PublicStack {
  readonly stack: string;
  readonly files: Record<string, string>;
  /** Full service names, each with the ports its stand-in listens on. */
  readonly services: Record<string, readonly number[]>;
}

/** Interpolated enough to read a port: `${VAR}` from the stack's .env, else its default, else empty. */
function withDefaults(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (_m, name: string, d: string | undefined) => env[name] ?? d ?? "",
  );
}

/** KEY=value lines of a .env file. */
function dotenv(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = (m[2] ?? "").replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

/** The TCP ports a service listens on: its ports: targets, expose:, and those its healthcheck names. */
export function portsOf(svc: Record<string, unknown>, env: Readonly<Record<string, string>> = {}): number[] {
  const out = new Set<number>();
  const add = (v: unknown) => {
    const n = Number(v);
    if (Number.isInteger(n) && n > 0) out.add(n);
  };
  for (const p of (svc["ports"] as unknown[] | undefined) ?? []) {
    if (typeof p === "object" && p !== null) {
      const long = p as { target?: unknown; protocol?: unknown };
      if (long.protocol !== "udp") add(long.target);
      continue;
    }
    const [spec, proto] = withDefaults(String(p), env).split("/");
    if (proto !== "udp") add(spec?.split(":").pop());
  }
  for (const e of (svc["expose"] as unknown[] | undefined) ?? [])
    add(withDefaults(String(e), env).split("/")[0]);
  const hc = svc["healthcheck"] as { test?: unknown } | undefined;
  const test = Array.isArray(hc?.test) ? hc.test.join(" ") : String(hc?.test ?? "");
  for (const m of test.matchAll(/(?:localhost|127\.0\.0\.1):(\d+)/g)) add(m[1]);
  if (/\bpg_isready\b/.test(test)) add(5432);
  if (/\bredis-cli\b/.test(test)) add(6379);
  if (/\bmysqladmin\b/.test(test)) add(3306);
  return [...out].sort((a, b) => a - b);
}

/**
 * The TCP ports well-known images EXPOSE (from their Dockerfiles), by repository name: a service
 * that lists no port is reached on these by name (as on a Compose network), so its stand-in must
 * expose and listen on them as the image would.
 */
const IMAGE_EXPOSES: Record<string, readonly number[]> = {
  postgres: [5432],
  redis: [6379],
  valkey: [6379],
  mysql: [3306, 33060],
  mariadb: [3306],
  mongo: [27017],
  memcached: [11211],
};

/** The ports `image` EXPOSEs, when it is one of the well-known images above. */
export function imageExposes(image: string): readonly number[] {
  const name = image.split("@")[0]?.split("/").pop()?.split(":")[0] ?? "";
  return IMAGE_EXPOSES[name] ?? [];
}

export const standInTag = (ports: readonly number[]) => (ports.length === 0 ? "none" : `p${ports.join("-")}`);

export async function publicStack(source: string): Promise<PublicStack> {
  const dir = resolve(FIXTURES, source);
  const stack = source.split("/").pop() ?? source;
  const files: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(join(d, e.name), path);
      else files[path] = await readFile(join(d, e.name), "utf8");
    }
  };
  await walk(dir, "");
  Object.assign(files, CREATED[stack] ?? {});
  const composeName = COMPOSE_NAMES.find((n) => files[n] !== undefined) ?? "compose.yaml";
  let text = files[composeName] ?? "";
  const doc = parseDocument(text);
  const value = doc.toJS() as { services: Record<string, Record<string, unknown>> };
  // Each image's text replaced in place, from the end so earlier offsets hold: nothing else moves.
  const edits: { from: number; to: number; image: string }[] = [];
  const services: Record<string, readonly number[]> = {};
  for (const [name, svc] of Object.entries(value.services)) {
    const node = doc.getIn(["services", name, "image"], true) as
      { range?: [number, number, number] } | undefined;
    if (node?.range === undefined) throw new Error(`${source}: ${name} names no image`);
    const image = withDefaults(String(svc["image"] ?? ""), dotenv(files[".env"]));
    const ports = [...new Set([...portsOf(svc, dotenv(files[".env"])), ...imageExposes(image)])].sort(
      (a, b) => a - b,
    );
    services[`${stack}_${name}`] = ports;
    edits.push({ from: node.range[0], to: node.range[1], image: `gitfleet/standin:${standInTag(ports)}` });
  }
  for (const e of edits.sort((a, b) => b.from - a.from))
    text = `${text.slice(0, e.from)}${e.image}${text.slice(e.to)}`;
  files[composeName] = text;
  return {
    stack,
    files: Object.fromEntries(Object.entries(files).map(([k, v]) => [`stacks/${stack}/${k}`, v])),
    services,
  };
}

/** The stand-in's files: its server, its health check, and the clients healthchecks call. */
export const STAND_IN_FILES: Record<string, string> = {
  "standin/serve": `#!/bin/sh
# Whatever the Compose file runs (its command arrives as arguments): listen on STANDIN_PORTS.
trap 'exit 0' TERM INT
for p in $STANDIN_PORTS; do nc -ll -p "$p" -e /standin/respond & done
while :; do sleep 3600 & wait $!; done
`,
  // Reads the request up to its blank line (closing on unread data would reset the connection).
  "standin/respond": `#!/bin/sh
cr=$(printf '\\r')
while read -t 2 line; do case "$line" in "" | "$cr") break ;; esac; done
printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\nOK %s\\r\\n' "$(hostname)"
`,
  // Connects to HOST PORT, asks, and succeeds only on the stand-in's answer.
  "standin/ask": `#!/bin/sh
[ "$1" = localhost ] && set -- 127.0.0.1 "$2"
printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 "$1" "$2" 2>/dev/null | grep -q '200 OK'
`,
  "standin/check": `#!/bin/sh
for p in $STANDIN_PORTS; do /standin/ask 127.0.0.1 "$p" || exit 1; done
`,
  "usr/local/bin/curl": `#!/bin/sh
# curl: GET the last URL among the arguments (options ignored), the body on stdout.
url=""
for a in "$@"; do case "$a" in -*) ;; *[:/.]*) url="$a" ;; esac; done
case "$url" in http://* | https://*) ;; *) url="http://$url" ;; esac
url=$(printf '%s' "$url" | sed 's#//localhost#//127.0.0.1#')
exec wget -q -O - "$url"
`,
  "usr/local/bin/pg_isready": `#!/bin/sh
host=127.0.0.1 port=5432
while [ $# -gt 0 ]; do
  case "$1" in -h | -p) [ "$1" = -h ] && host=$2 || port=$2; shift ;; --host=*) host=\${1#*=} ;; --port=*) port=\${1#*=} ;; esac
  shift
done
if /standin/ask "$host" "$port"; then echo "$host:$port - accepting connections"; else echo "$host:$port - no response"; exit 2; fi
`,
  "usr/local/bin/redis-cli": `#!/bin/sh
host=127.0.0.1 port=6379
while [ $# -gt 0 ]; do
  case "$1" in -h | -p) [ "$1" = -h ] && host=$2 || port=$2; shift ;; esac
  shift
done
/standin/ask "$host" "$port" && echo PONG || { echo "Could not connect to Redis at $host:$port"; exit 1; }
`,
  "usr/local/bin/mysqladmin": `#!/bin/sh
host=127.0.0.1 port=3306
while [ $# -gt 0 ]; do
  case "$1" in -h | -P) [ "$1" = -h ] && host=$2 || port=$2; shift ;; esac
  shift
done
/standin/ask "$host" "$port" && echo "mysqld is alive" || exit 1
`,
};

/** A tar archive of the files (and their folders), executable. */
export function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  const header = (name: string, size: number, type: "0" | "5") => {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write(type === "5" ? "0000755\0" : "0000755\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write(type, 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${parts.slice(0, i).join("/")}/`);
  }
  for (const d of [...dirs].sort()) blocks.push(header(d, 0, "5"));
  for (const [path, text] of Object.entries(files)) {
    const body = Buffer.from(text, "utf8");
    blocks.push(header(path, body.length, "0"), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** gitfleet/standin:<tag> on every host, one per set of ports: busybox plus the stand-in's files. */
export async function standInImages(
  dockers: readonly Docker[],
  portSets: ReadonlyMap<string, readonly number[]>,
): Promise<void> {
  const archive = tarOf(STAND_IN_FILES);
  await Promise.all(
    dockers.map(async (docker) => {
      for (const [tag, ports] of portSets) {
        const c = await docker.createContainer({ Image: TESTBED_IMAGES.busybox, Cmd: ["true"] });
        try {
          await c.putArchive(archive, { path: "/" });
          await c.commit({
            repo: "gitfleet/standin",
            tag,
            changes: [
              `ENV STANDIN_PORTS="${ports.join(" ")}"`,
              // Like the server images they stand in for: what they listen on is EXPOSEd.
              ...ports.map((p) => `EXPOSE ${p}/tcp`),
              'ENTRYPOINT ["/standin/serve"]',
              "CMD []",
              'HEALTHCHECK --interval=2s --timeout=10s --retries=3 CMD ["/standin/check"]',
            ],
          });
        } finally {
          await c.remove({ force: true });
        }
      }
    }),
  );
}
