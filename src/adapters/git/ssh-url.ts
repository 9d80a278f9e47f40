// Git's SSH addresses: `ssh://[user@]host[:port]/path` and the scp-like
// `user@host:path` (relative to the user's home on the server, as forges
// use it: git@github.com:acme/fleet.git). The user defaults to "git", the
// account every common forge serves Git from.

export interface SshRepoUrl {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The repository path as the server's git-upload-pack gets it. */
  readonly path: string;
}

const SCP_LIKE = /^([^@/:\s]+)@([^@/:\s]+):(?!\/\/)(\S+)$/;

export function isSshRepoUrl(url: string): boolean {
  return url.startsWith("ssh://") || SCP_LIKE.test(url);
}

export function parseSshRepoUrl(url: string): SshRepoUrl | undefined {
  const scp = SCP_LIKE.exec(url);
  if (scp !== null) {
    const [, username = "git", host = "", path = ""] = scp;
    return { host, port: 22, username, path };
  }
  if (!url.startsWith("ssh://")) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const pathname = decodeURIComponent(u.pathname);
  if (u.hostname === "" || pathname === "" || pathname === "/") return undefined;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : 22,
    username: decodeURIComponent(u.username) || "git",
    // ssh://host/~user/repo means ~user/repo, as git reads it.
    path: pathname.startsWith("/~") ? pathname.slice(1) : pathname,
  };
}

/** The remote command line, the path quoted as git quotes it ('...' with ' as '\''). */
export function sshGitCommand(service: "git-upload-pack" | "git-receive-pack", path: string): string {
  return `${service} '${path.replace(/'/g, "'\\''")}'`;
}
