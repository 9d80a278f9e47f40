// Git's SSH addresses, as git reads them: scp-like and ssh://, and the
// remote command line with the path quoted as git quotes it.

import { describe, expect, it } from "vitest";
import { isSshRepoUrl, parseSshRepoUrl, sshGitCommand } from "../../../src/adapters/git/ssh-url.js";

describe("SSH repository URLs", () => {
  it("reads the scp-like form: a path relative to the user's home, port 22", () => {
    expect(parseSshRepoUrl("git@github.com:acme/fleet.git")).toEqual({
      host: "github.com",
      port: 22,
      username: "git",
      path: "acme/fleet.git",
    });
    expect(parseSshRepoUrl("deploy@10.0.0.9:/srv/git/fleet.git")?.path).toBe("/srv/git/fleet.git");
  });

  it("reads ssh:// with user, port and path; the user defaults to git; /~ is the home", () => {
    expect(parseSshRepoUrl("ssh://git@git.example.com:2222/ops/fleet.git")).toEqual({
      host: "git.example.com",
      port: 2222,
      username: "git",
      path: "/ops/fleet.git",
    });
    expect(parseSshRepoUrl("ssh://git.example.com/ops/fleet.git")?.username).toBe("git");
    expect(parseSshRepoUrl("ssh://git.example.com/~alice/fleet.git")?.path).toBe("~alice/fleet.git");
    expect(parseSshRepoUrl("ssh://[::1]:2200/r.git")).toMatchObject({ host: "::1", port: 2200 });
  });

  it("is not fooled by HTTP URLs, local paths or an address without a path", () => {
    for (const url of ["https://git.example.com/a.git", "/srv/git/a.git", "github.com:a/b.git"]) {
      expect(isSshRepoUrl(url)).toBe(false);
    }
    expect(parseSshRepoUrl("ssh://git.example.com")).toBeUndefined();
    expect(parseSshRepoUrl("ssh://git.example.com/")).toBeUndefined();
  });

  it("quotes the path for the remote shell as git does", () => {
    expect(sshGitCommand("git-upload-pack", "acme/fleet.git")).toBe("git-upload-pack 'acme/fleet.git'");
    expect(sshGitCommand("git-receive-pack", "it's; rm -rf /")).toBe("git-receive-pack 'it'\\''s; rm -rf /'");
  });
});
