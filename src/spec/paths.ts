// Host paths as bind mounts and policies write them, judged after "." and
// ".." are resolved, so "/srv/data/../../etc" is "/etc".

import { posix } from "node:path";

const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export function normalisePath(path: string): string {
  const n = posix.normalize(posix.join("/", path));
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

export function isUnder(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

/** The socket itself, any docker.sock, or a directory that holds the socket. */
export function exposesDockerSocket(source: string): boolean {
  return posix.basename(source) === "docker.sock" || DOCKER_SOCKETS.some((sock) => isUnder(sock, source));
}
