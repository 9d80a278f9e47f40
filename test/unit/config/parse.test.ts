import { describe, expect, it } from "vitest";
import { ConfigError, parseOperatorConfig, type ConfigIssue } from "../../../src/config/index.js";
import { leaderKey, suspendKey } from "../../../src/config/leader-election.js";
import { BASELINE_CEILING } from "../../../src/model/ceiling.js";
import { DEFAULT_SPEC_LIMITS } from "../../../src/spec/index.js";

const FILE = "/etc/gitfleet/gitfleet.yaml";

function parse(text: string, env: Record<string, string> = {}) {
  return parseOperatorConfig(text, { file: FILE, baseDir: "/", env });
}

function issues(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parse(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

/** Each problem as "line:col code" (or "VARIABLE code" from the environment): what tools match on. */
function codes(text: string, env: Record<string, string> = {}): string[] {
  return issues(text, env).map((i) => `${i.env ?? `${i.line}:${i.col}`} ${i.code}`);
}

function messages(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const FULL = `# yaml-language-server: $schema=../schemas/operator.schema.json
repository:
  url: https://git.example.com/ops/fleet.git
  branch: release
  credentials: creds/git
poll: "*/10 * * * * *"
status:
  branch: ops/status
secrets_dir: /srv/secrets
work_dir: state
webhook:
  listen: 127.0.0.1:9000
  secret: s3cr3t-s3cr3t-s3cr3t
signature:
  trusted_keys: [keys/a.asc, /abs/b.asc]
metrics:
  listen: ":9100"
health:
  pass_deadline: 2m
  git_stale_after: 90s
notifications:
  webhooks:
    - url: https://hooks.example.com/gitfleet/
      secret: notify-hook
  commit_status:
    - forge: github
      repository: acme/fleet
      token: github-token
    - forge: gitea
      api_url: https://gitea.example.com
      repository: acme/fleet
      token: gitea-token
      context: gitfleet/prod
docker:
  concurrency: 8
  call_timeout: 45s
  ping_timeout: 1500ms
  pull_timeout: 5m
limits:
  max_file_size: 512K
  max_commit_size: 8M
  load_timeout: 5s
`;

describe("parseOperatorConfig: good files", () => {
  it("normalises a complete file: absolute paths, ms durations, split listen addresses", () => {
    expect(parse(FULL)).toEqual({
      file: FILE,
      repository: {
        url: "https://git.example.com/ops/fleet.git",
        ref: { kind: "branch", value: "release" },
        credentialsFile: "/etc/gitfleet/creds/git",
      },
      poll: "*/10 * * * * *",
      status: { branch: "ops/status", sameBranch: false },
      secretsDir: "/srv/secrets",
      workDir: "/etc/gitfleet/state",
      webhook: {
        listen: { host: "127.0.0.1", port: 9000, text: "127.0.0.1:9000" },
        secret: "s3cr3t-s3cr3t-s3cr3t",
      },
      signature: { trustedKeyFiles: ["/etc/gitfleet/keys/a.asc", "/abs/b.asc"] },
      metrics: { listen: { host: "0.0.0.0", port: 9100, text: ":9100" } },
      health: { passDeadlineMs: 120_000, gitStaleAfterMs: 90_000 },
      notifications: {
        webhooks: [{ url: "https://hooks.example.com/gitfleet", secret: "notify-hook" }],
        commitStatus: [
          {
            forge: "github",
            apiUrl: "https://api.github.com",
            repository: "acme/fleet",
            token: "github-token",
            context: "gitfleet",
          },
          {
            forge: "gitea",
            apiUrl: "https://gitea.example.com",
            repository: "acme/fleet",
            token: "gitea-token",
            context: "gitfleet/prod",
          },
        ],
      },
      docker: { concurrency: 8, callTimeoutMs: 45_000, pingTimeoutMs: 1500, pullTimeoutMs: 300_000 },
      ceiling: BASELINE_CEILING,
      limits: {
        spec: { ...DEFAULT_SPEC_LIMITS, maxFileBytes: 512 * 1024, maxCommitBytes: 8 * 1024 * 1024 },
        loadTimeoutMs: 5_000,
      },
    });
  });

  it("metrics: listens on 127.0.0.1:9464 unless told otherwise; health bounds default to 10m and 5m", () => {
    const c = parse("repository: {path: /r}\nmetrics: {}\n");
    expect(c.metrics).toEqual({ listen: { host: "127.0.0.1", port: 9464, text: "127.0.0.1:9464" } });
    expect(c.health).toEqual({ passDeadlineMs: 600_000, gitStaleAfterMs: 300_000 });
    expect(parse("repository: {path: /r}\n").metrics).toBeUndefined();
  });

  it("notifications: URLs with credentials, other schemes and a forge without api_url are refused", () => {
    const text = [
      "repository: {path: /r}",
      "notifications:",
      "  webhooks:",
      "    - {url: 'https://user:pw@hooks.example.com/x', secret: hook}",
      "    - {url: 'ftp://hooks.example.com/x', secret: hook}",
      "  commit_status:",
      "    - {forge: gitea, repository: a/b, token: t}",
      "health: {pass_deadline: 10ms}",
    ].join("\n");
    expect(codes(text)).toEqual([
      "4:13 config-bad-url",
      "5:13 config-bad-url",
      "7:7 config-missing-key",
      "8:25 config-bad-duration",
    ]);
    expect(messages(text)[0]).toContain("put the token in the secret store's operator/ folder");
  });

  it("fills defaults around a minimal file", () => {
    const c = parse("repository: {path: ../sample-repo}\n");
    expect(c.repository).toEqual({ path: "/etc/sample-repo", ref: { kind: "branch", value: "main" } });
    expect(c.poll).toBe("0 * * * * *");
    expect(c.status).toEqual({ branch: "gitfleet/status", sameBranch: false });
    expect(c.secretsDir).toBe("/etc/gitfleet/secrets");
    expect(c.workDir).toBe("/etc/gitfleet/.gitfleet");
    expect(c.webhook).toBeUndefined();
    expect(c.metrics).toBeUndefined();
    expect(c.signature.trustedKeyFiles).toEqual([]);
    expect(c.ceiling).toEqual(BASELINE_CEILING);
    expect(c.docker).toEqual({
      concurrency: 4,
      callTimeoutMs: 30_000,
      pingTimeoutMs: 2000,
      pullTimeoutMs: 600_000,
    });
  });

  it("status branch 'same' means the watched branch", () => {
    const c = parse("repository: {path: /r, branch: prod}\nstatus: {branch: same}\n");
    expect(c.status).toEqual({ branch: "prod", sameBranch: true });
  });

  it("follows a tag or a semver range", () => {
    expect(parse("repository: {path: /r, tag: v1.2.0}\n").repository.ref).toEqual({
      kind: "tag",
      value: "v1.2.0",
    });
    expect(parse("repository: {path: /r, semver: ^1.2.0}\n").repository.ref).toEqual({
      kind: "semver",
      value: "^1.2.0",
    });
  });

  it("is configured by the environment alone when there is no file", () => {
    const c = parseOperatorConfig("", {
      baseDir: "/work",
      env: { GITFLEET_REPO_PATH: "repo", GITFLEET_LISTEN: "9001" },
    });
    expect(c.file).toBeUndefined();
    expect(c.repository.path).toBe("/work/repo");
    expect(c.webhook?.listen).toEqual({ host: "0.0.0.0", port: 9001, text: "9001" });
  });
});

describe("parseOperatorConfig: environment overrides", () => {
  it("every variable overrides its key, replacing exclusive siblings", () => {
    const c = parse(FULL, {
      GITFLEET_REPO_PATH: "/srv/repo",
      GITFLEET_TAG: "v2",
      GITFLEET_CREDENTIALS: "/run/creds",
      GITFLEET_POLL: "*/1 * * * * *",
      GITFLEET_STATUS_BRANCH: "other/status",
      GITFLEET_SECRETS_DIR: "/run/secrets",
      GITFLEET_WORK_DIR: "/var/lib/gf",
      GITFLEET_WEBHOOK_SECRET: "from-env-0123456789",
      GITFLEET_LISTEN: "0.0.0.0:8088",
      GITFLEET_METRICS_LISTEN: "127.0.0.1:9200",
      GITFLEET_TRUSTED_KEYS: "/k/1.asc, /k/2.asc",
      GITFLEET_CONCURRENCY: "2",
    });
    expect(c.repository).toEqual({
      path: "/srv/repo",
      ref: { kind: "tag", value: "v2" },
      credentialsFile: "/run/creds",
    });
    expect(c.poll).toBe("*/1 * * * * *");
    expect(c.status.branch).toBe("other/status");
    expect(c.secretsDir).toBe("/run/secrets");
    expect(c.workDir).toBe("/var/lib/gf");
    expect(c.webhook).toEqual({
      listen: { host: "0.0.0.0", port: 8088, text: "0.0.0.0:8088" },
      secret: "from-env-0123456789",
    });
    expect(c.metrics?.listen.port).toBe(9200);
    expect(c.signature.trustedKeyFiles).toEqual(["/k/1.asc", "/k/2.asc"]);
    expect(c.docker.concurrency).toBe(2);
  });

  it("GITFLEET_REPO_URL replaces a path and GITFLEET_BRANCH replaces a tag", () => {
    const c = parse("repository: {path: /r, tag: v1}\n", {
      GITFLEET_REPO_URL: "http://git.local/x.git",
      GITFLEET_BRANCH: "dev",
    });
    expect(c.repository).toEqual({ url: "http://git.local/x.git", ref: { kind: "branch", value: "dev" } });
  });

  it("empty variables count as unset", () => {
    expect(parse(FULL, { GITFLEET_POLL: "" }).poll).toBe("*/10 * * * * *");
  });

  it("a bad value from the environment is reported against the variable", () => {
    const env = { GITFLEET_POLL: "every minute", GITFLEET_CONCURRENCY: "many" };
    expect(codes(FULL, env)).toEqual([
      "GITFLEET_CONCURRENCY config-wrong-type",
      "GITFLEET_POLL config-bad-cron",
    ]);
    expect(messages(FULL, env)[0]).toMatch(/^environment GITFLEET_CONCURRENCY: /);
  });
});

describe("parseOperatorConfig: bad files, each with file:line:col", () => {
  it("malformed YAML", () => {
    const [i] = issues("repository:\n  url: [unclosed\n");
    expect(i).toMatchObject({
      file: FILE,
      line: expect.any(Number),
      col: expect.any(Number),
      code: "config-yaml-syntax",
    });
    expect(i?.line).toBeGreaterThanOrEqual(2);
  });

  it("a duplicate key, naming it and where it was first set", () => {
    const text = "repository: {path: /r}\npoll: '*/5 * * * * *'\npoll: '*/6 * * * * *'\n";
    expect(codes(text)).toEqual(["3:1 config-duplicate-key"]);
    expect(messages(text)[0]).toContain('"poll" is set twice in this mapping (first at line 2, column 1)');
  });

  it("a key without its colon, at that line, saying what to write", () => {
    const text = "repository: {path: /r}\npoll '*/5 * * * * *'\n";
    expect(codes(text)).toEqual(["2:1 config-yaml-syntax"]);
    expect(messages(text)).toEqual([
      `${FILE}:2:1: missing ":" after the key "poll": write "poll: '*/5 * * * * *'"`,
    ]);
  });

  it("more than one YAML document", () => {
    expect(codes("repository: {path: /r}\n---\npoll: x\n")).toEqual(["2:1 config-yaml-syntax"]);
  });

  it("a document that is not a mapping", () => {
    expect(codes("- a\n- b\n")).toEqual(["1:1 config-not-a-mapping"]);
  });

  it("a misspelt key, at the key, with did you mean", () => {
    expect(codes("repository: {path: /r, brnch: main}\n")).toEqual(["1:24 config-unknown-key"]);
    expect(messages("repository: {path: /r}\ndocker:\n  concurrency: 2\n  pul_timeout: 3s\n")).toEqual([
      `${FILE}:4:3: unknown key "pul_timeout" in docker: did you mean "pull_timeout"?`,
    ]);
    expect(messages("repository: {path: /r, brnch: main}\n")).toEqual([
      `${FILE}:1:24: unknown key "brnch" in repository: did you mean "branch"?`,
    ]);
  });

  it("an unknown key with nothing close, naming the allowed ones", () => {
    expect(messages("repository: {path: /r}\ndocker:\n  concurrency: 2\n  xyzzy: 3s\n")).toEqual([
      `${FILE}:4:3: unknown key "xyzzy" in docker; allowed keys: concurrency, call_timeout, ping_timeout, pull_timeout`,
    ]);
  });

  it("a value of the wrong type", () => {
    expect(codes("repository: {path: /r}\ndocker:\n  concurrency: four\n")).toEqual([
      "3:16 config-wrong-type",
    ]);
  });

  it("no repository at all, and both url and path", () => {
    expect(codes("poll: '*/5 * * * * *'\n")).toEqual(["1:1 config-missing-key"]);
    expect(codes("repository: {branch: main}\n")).toEqual(["1:13 config-missing-key"]);
    expect(codes("repository:\n  url: https://x/y.git\n  path: /r\n")).toEqual(["2:3 config-conflict"]);
  });

  it("a URL that is neither HTTP(S) nor SSH, with a message naming every accepted form", () => {
    const hint =
      "not a Git URL: write https://host/path.git, ssh://[user@]host[:port]/path.git or user@host:path.git";
    expect(codes("repository:\n  url: ftp://git.example.com/a/b.git\n")).toEqual(["2:8 config-bad-url"]);
    expect(messages("repository:\n  url: ftp://git.example.com/a/b.git\n")).toEqual([`${FILE}:2:8: ${hint}`]);
    expect(messages("repository:\n  url: github.com:a/b.git\n")).toEqual([`${FILE}:2:8: ${hint}`]);
  });

  it("SSH URLs, scp-like and ssh://, are accepted (Git over SSH)", () => {
    for (const url of ["git@github.com:acme/fleet.git", "ssh://git@git.example.com:2222/ops/fleet.git"]) {
      expect(parse(`repository:\n  url: "${url}"\n`).repository.url).toBe(url);
    }
    expect(
      parse("repository: {path: /r}\n", { GITFLEET_REPO_URL: "deploy@10.0.0.9:fleet" }).repository.url,
    ).toBe("deploy@10.0.0.9:fleet");
  });

  it("a cron schedule that does not parse", () => {
    expect(codes("repository: {path: /r}\npoll: '*/5 * * *'\n")).toEqual(["2:7 config-bad-cron"]);
  });

  it("durations and listen addresses that do not parse", () => {
    expect(
      codes(
        "repository: {path: /r}\nwebhook:\n  listen: 0.0.0.0:70000\nmetrics: {listen: nowhere}\ndocker:\n  call_timeout: 30\n  ping_timeout: 1x\n  pull_timeout: 0s\n",
      ),
    ).toEqual([
      "3:11 config-bad-listen",
      "4:19 config-bad-listen",
      "6:17 config-wrong-type",
      "7:17 config-bad-duration",
      "8:17 config-bad-duration",
    ]);
  });

  it("exclusive choices: two refs, two webhook secrets, 'same' status branch on a tag", () => {
    expect(
      codes(
        "repository:\n  path: /r\n  tag: v1\n  semver: ^1.0.0\nstatus: {branch: same}\nwebhook:\n  secret: aaaaaaaaaaaaaaaa\n  secret_file: /f\n",
      ),
    ).toEqual(["4:11 config-conflict", "5:18 config-conflict", "8:16 config-conflict"]);
  });

  it("reports every problem at once", () => {
    const all = issues(
      "repository: {path: /r, colour: red}\npoll: nope\ndocker: {concurrency: 0, ping_timeout: 1x}\n",
    );
    expect(all.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual([
      "1:24 config-unknown-key",
      "2:7 config-bad-cron",
      "3:23 config-bad-value",
      "3:40 config-bad-duration",
    ]);
  });
});

describe("parseOperatorConfig: the ceiling", () => {
  it("is the baseline profile when not configured: nothing privileged, no host namespaces, no bind mounts", () => {
    const c = parse("repository: {path: /r}\n");
    expect(c.ceiling.allowPrivileged).toBe(false);
    expect(c.ceiling.allowHostNetwork).toBe(false);
    expect(c.ceiling.allowHostPid).toBe(false);
    expect(c.ceiling.allowHostIpc).toBe(false);
    expect(c.ceiling.allowBindMounts).toEqual([]);
    expect(c.ceiling.allowDevices).toEqual([]);
    expect(c.ceiling.capAdd).toContain("NET_BIND_SERVICE");
    for (const cap of ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "ALL"])
      expect(c.ceiling.capAdd).not.toContain(cap);
    expect(c.ceiling.maxReplicasPerService).toBe(10_000);
    expect(c.ceiling.endpoints).toBeUndefined();
    expect(c.ceiling.cluster).toBeUndefined();
  });

  it("reads every setting, capability names upper case without CAP_", () => {
    const c = parse(
      [
        "repository: {path: /r}",
        "ceiling:",
        "  cluster: prod",
        '  endpoints: ["tcp://10.0.0.*:2376", "unix:///var/run/docker.sock"]',
        "  allow_privileged: true",
        "  allow_host_network: true",
        "  allow_host_pid: true",
        "  allow_host_ipc: true",
        "  allow_bind_mounts: [/srv/data]",
        "  allow_read_only_binds: [/etc/localtime/]",
        "  allow_devices: [/dev/fuse]",
        "  cap_add: [cap_net_admin, SYS_TIME]",
        "  max_replicas_per_service: 50",
        "  max_replicas_total: 200",
        "  max_memory_per_replica: 2G",
        '  max_cpus_per_replica: "1.5"',
        "  secrets:",
        '    - {secrets: ["shop-*"], services: [api]}',
        "    - {secrets: [common]}",
        "",
      ].join("\n"),
    );
    expect(c.ceiling).toEqual({
      cluster: "prod",
      endpoints: ["tcp://10.0.0.*:2376", "unix:///var/run/docker.sock"],
      allowPrivileged: true,
      allowHostNetwork: true,
      allowHostPid: true,
      allowHostIpc: true,
      allowBindMounts: ["/srv/data"],
      readOnlyBinds: ["/etc/localtime"],
      allowDevices: ["/dev/fuse"],
      capAdd: ["NET_ADMIN", "SYS_TIME"],
      maxReplicasPerService: 50,
      maxReplicasTotal: 200,
      maxMemoryBytesPerReplica: 2 * 1024 ** 3,
      maxNanoCpusPerReplica: 1_500_000_000,
      secrets: [{ secrets: ["shop-*"], services: ["api"] }, { secrets: ["common"] }],
    });
  });

  it("reports bad settings at their line", () => {
    const found = issues(
      "repository: {path: /r}\nceiling:\n  allow_privileged: yes please\n  max_memory_per_replica: lots\n  bogus: 1\n",
    );
    expect(found.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual([
      "3:21 config-wrong-type",
      "4:27 config-bad-size",
      "5:3 config-unknown-key",
    ]);
  });
});

describe("parseOperatorConfig: small doors", () => {
  it("listens for webhooks on 127.0.0.1 by default", () => {
    const c = parse("repository: {path: /r}\nwebhook: {secret: 0123456789abcdef}\n");
    expect(c.webhook?.listen).toEqual({ host: "127.0.0.1", port: 9000, text: "127.0.0.1:9000" });
  });

  it("refuses a webhook secret shorter than 16 bytes, at its line", () => {
    const found = issues("repository: {path: /r}\nwebhook:\n  secret: 0123456789abcde\n");
    expect(found.map((i) => `${i.line}:${i.col} ${i.code}`)).toEqual(["3:11 config-weak-secret"]);
  });
});

describe("parseOperatorConfig: limits and history", () => {
  it("defaults to 1 MiB a file, 32 MiB a commit, 20 s to load, force-pushes refused", () => {
    const c = parse("repository: {path: /r}\n");
    expect(c.limits).toEqual({ spec: DEFAULT_SPEC_LIMITS, loadTimeoutMs: 20_000 });
    expect(DEFAULT_SPEC_LIMITS.maxFileBytes).toBe(1024 * 1024);
    expect(DEFAULT_SPEC_LIMITS.maxCommitBytes).toBe(32 * 1024 * 1024);
    expect(c.repository.allowForcePush).toBeUndefined();
  });

  it("allows force-pushes only when asked", () => {
    expect(parse("repository: {path: /r, allow_force_push: true}\n").repository.allowForcePush).toBe(true);
  });

  it("reports bad limits at their line", () => {
    expect(
      codes(
        "repository: {path: /r}\nlimits:\n  max_file_size: 2M\n  max_commit_size: 1M\n  load_timeout: 1h\n",
      ),
    ).toEqual(["4:20 config-conflict", "5:17 config-bad-duration"]);
    expect(codes("repository: {path: /r}\nlimits: {max_file_size: lots}\n")).toEqual([
      "2:25 config-bad-size",
    ]);
    expect(codes("repository: {path: /r}\nlimits: {max_file_size: '1000'}\n")).toEqual([
      "2:25 config-bad-size",
    ]);
  });
});

describe("configuration warnings", () => {
  it("warns at the webhook key when it has no secret (it would not be started)", () => {
    const c = parse("repository: {path: /srv/fleet}\nwebhook:\n  listen: 127.0.0.1:9000\n");
    expect(c.warnings).toEqual([
      {
        file: FILE,
        line: 2,
        col: 1,
        code: "webhook-without-secret",
        message: expect.stringContaining("not started") as unknown as string,
      },
    ]);
    expect(parse("repository: {path: /srv/fleet}\n").warnings).toBeUndefined();
    const withSecret = parse(
      "repository: {path: /srv/fleet}\nwebhook: {listen: 127.0.0.1:9000, secret_file: /run/hook}\n",
    );
    expect(withSecret.warnings).toBeUndefined();
  });
});

describe("leader election", () => {
  it("is off unless configured; takes etcd endpoints and the lease timing", () => {
    expect(parse("repository: {path: /srv/fleet}\n").leaderElection).toBeUndefined();
    const c = parse(
      "repository: {path: /srv/fleet}\nleader_election:\n  key: fleets/prod/leader\n  etcd: {endpoints: [http://10.0.0.5:2379, http://10.0.0.6:2379]}\n  lease_ttl: 10s\n  renew_every: 2s\n  renew_deadline: 7s\n",
    );
    expect(c.leaderElection).toEqual({
      etcdEndpoints: ["http://10.0.0.5:2379", "http://10.0.0.6:2379"],
      key: "fleets/prod/leader",
      timing: { ttlMs: 10_000, renewEveryMs: 2_000, renewDeadlineMs: 7_000 },
    });
    const defaults = parse(
      "repository: {path: /srv/fleet}\nceiling: {cluster: prod}\nleader_election: {etcd: {endpoints: [http://e:2379]}}\n",
    );
    expect(defaults.leaderElection?.timing).toEqual({
      ttlMs: 5_000,
      renewEveryMs: 1_000,
      renewDeadlineMs: 3_500,
    });
  });

  it("refuses timing that would let a leader act after its lease expired, at the section's line", () => {
    const text =
      "repository: {path: /srv/fleet}\nleader_election:\n  key: k\n  etcd: {endpoints: [http://e:2379]}\n  lease_ttl: 5s\n  renew_deadline: 6s\n";
    expect(issues(text)).toEqual([expect.objectContaining({ line: 3, code: "config-conflict" })]);
    expect(
      issues("repository: {path: /srv/fleet}\nleader_election: {key: k, etcd: {endpoints: [e:2379]}}\n"),
    ).toEqual([expect.objectContaining({ line: 2, code: "config-bad-url" })]);
  });

  it("needs a key that names this fleet: its own, or the pinned cluster's", () => {
    const text = "repository: {path: /srv/fleet}\nleader_election: {etcd: {endpoints: [http://e:2379]}}\n";
    expect(issues(text)).toEqual([expect.objectContaining({ line: 2, code: "config-missing-key" })]);
    expect(messages(text)[0]).toContain(
      "set leader_election.key, or pin the cluster name in ceiling.cluster",
    );
  });

  it("keeps the fleet's suspend switch beside the leader key, never on it", () => {
    const pinned = parse(
      "repository: {path: /srv/fleet}\nceiling: {cluster: prod}\nleader_election: {etcd: {endpoints: [http://e:2379]}}\n",
    );
    expect(suspendKey(leaderKey(pinned.leaderElection!, "prod"))).toBe("gitfleet/prod/suspended");
    expect(suspendKey("fleets/prod/leader")).toBe("fleets/prod/suspended");
    expect(suspendKey("leader")).toBe("leader/suspended");
    expect(suspendKey("/leader")).toBe("/leader/suspended");
    expect(suspendKey("fleets/suspended")).toBe("fleets/suspended/suspended");
  });
});

describe("parseOperatorConfig: heap_target", () => {
  const base = "repository: {path: ../sample-repo}\n";
  it("is a size, 0 turns it off, absent leaves the default to the operator, the environment overrides", () => {
    expect(parse(base).heapTargetBytes).toBeUndefined();
    expect(parse(`${base}heap_target: 256M\n`).heapTargetBytes).toBe(256 * 1024 * 1024);
    expect(parse(`${base}heap_target: "0"\n`).heapTargetBytes).toBe(0);
    expect(parse(base, { GITFLEET_HEAP_TARGET: "1G" }).heapTargetBytes).toBe(1024 ** 3);
  });

  it("refuses what is not a size, and a target below 32M", () => {
    expect(codes(`${base}heap_target: lots\n`)).toEqual(["2:14 config-bad-size"]);
    expect(codes(`${base}heap_target: 8M\n`)).toEqual(["2:14 config-bad-size"]);
  });
});

describe("parseOperatorConfig: tasks", () => {
  const base = "repository: {path: ../sample-repo}\n";
  it("per_host and total as written, absent left to the operator's defaults, the environment overrides", () => {
    expect(parse(base).tasks).toBeUndefined();
    expect(parse(`${base}tasks: {per_host: 2, total: 500}\n`).tasks).toEqual({ perHost: 2, total: 500 });
    expect(parse(`${base}tasks: {total: 64}\n`).tasks).toEqual({ total: 64 });
    expect(parse(base, { GITFLEET_TASKS_PER_HOST: "8", GITFLEET_TASKS_TOTAL: "4096" }).tasks).toEqual({
      perHost: 8,
      total: 4096,
    });
  });

  it("refuses what is not a positive integer, an unknown key, and a total below per_host", () => {
    expect(codes(`${base}tasks: {per_host: 0}\n`)).toEqual(["2:19 config-bad-value"]);
    expect(codes(`${base}tasks: {total: many}\n`)).toEqual(["2:16 config-wrong-type"]);
    expect(codes(`${base}tasks: {per_host: 1.5}\n`)).toEqual(["2:19 config-wrong-type"]);
    expect(codes(`${base}tasks: {per_hots: 2}\n`)).toEqual(["2:9 config-unknown-key"]);
    expect(codes(`${base}tasks: {per_host: 8, total: 4}\n`)).toEqual(["2:29 config-conflict"]);
    expect(codes(base, { GITFLEET_TASKS_TOTAL: "none" })).toEqual(["GITFLEET_TASKS_TOTAL config-wrong-type"]);
  });
});
