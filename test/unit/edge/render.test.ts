import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planEdge, renderEdgeConfig } from "../../../src/edge/index.js";
import type { EdgeInput } from "../../../src/edge/types.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import {
  HOSTS,
  httpHealth,
  ipv6Binds,
  nothingHealthy,
  port,
  rep,
  shop,
  splitBinds,
  svc,
  tcpCollision,
} from "./fixtures.js";
import { section, sections, servers } from "./sections.js";

const permutation = <T>(items: readonly T[]): fc.Arbitrary<T[]> =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

describe("renderEdgeConfig determinism", () => {
  it("renders the same bytes whatever the order of services, ports, hosts and replicas", () => {
    const base = splitBinds();
    const expected = renderEdgeConfig(base);
    fc.assert(
      fc.property(
        permutation(base.services),
        permutation(base.hosts),
        permutation(base.replicas),
        (services, hosts, replicas) => {
          const shuffled: EdgeInput = {
            ...base,
            hosts,
            replicas,
            services: services.map((s) => ({ ...s, ports: [...s.ports].reverse() })),
          };
          expect(renderEdgeConfig(shuffled)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("renders identical text twice and a different text when a backend changes", () => {
    const input = shop();
    expect(renderEdgeConfig(input)).toBe(renderEdgeConfig(shop()));
    const fewer = {
      ...input,
      replicas: input.replicas.filter((r) => !(r.service === "api" && r.host === "h3")),
    };
    expect(renderEdgeConfig(fewer)).not.toBe(renderEdgeConfig(input));
  });
});

describe("backends", () => {
  it("lists only running replicas that are healthy or have no healthcheck, at hostAddress:hostPort", () => {
    const config = renderEdgeConfig(shop());
    // api/4 is starting, api/5 unhealthy, web/2 exited: none of them may take traffic.
    expect(section(config, "backend be_api_8080").filter((l) => l.startsWith("server "))).toEqual([
      "server h1:gf-test-api-1-api0000a 10.0.0.11:32001 check",
      "server h2:gf-test-api-2-api0000a 10.0.0.12:32001 check",
      "server h3:gf-test-api-3-api0000a 10.0.0.13:32001 check",
    ]);
    expect(servers(config, "be_web_8080")).toEqual(["h2:gf-test-web-1-web0000a"]);
  });

  it("keeps exactly the eligible replicas for any mix of states and health", () => {
    const api = svc("api", [port(8080)]);
    const states = fc.constantFrom<ObservedReplica["state"]>(
      "created",
      "running",
      "restarting",
      "paused",
      "exited",
      "dead",
    );
    const health = fc.constantFrom<ObservedReplica["health"]>("healthy", "unhealthy", "starting", "none");
    fc.assert(
      fc.property(fc.array(fc.tuple(states, health), { maxLength: 12 }), (mix) => {
        const replicas = mix.map(([state, h], i) =>
          rep(api, String(i + 1), HOSTS[i % 3]?.name ?? "h1", 31000 + i, { state, health: h }),
        );
        const input: EdgeInput = { ...shop(), services: [api], replicas };
        const expected = mix.filter(([s, h]) => s === "running" && (h === "healthy" || h === "none")).length;
        expect(planEdge(input).backends[0]?.servers).toHaveLength(expected);
      }),
    );
  });

  it("leaves out replicas on hosts that are down, and reports hosts without an address", () => {
    const input = shop();
    const hosts = [
      { ...HOSTS[0]!, state: "up" as const },
      { ...HOSTS[1]!, state: "down" as const },
    ];
    const plan = planEdge({ ...input, hosts });
    const api = plan.backends.find((b) => b.service === "api");
    expect(api?.servers.map((s) => s.host)).toEqual(["h1"]);
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ code: "host-unknown", service: "api", host: "h3" }),
    );
  });

  it("uses the target port itself for services on the host network", () => {
    const s = svc("node-exporter", [port(9100)], { networkMode: "host" });
    const input: EdgeInput = {
      ...shop(),
      services: [s],
      replicas: [{ ...rep(s, "h2", "h2", 0), publishedPorts: {} }],
    };
    expect(section(renderEdgeConfig(input), "backend be_node-exporter_9100")).toContain(
      "server h2:gf-test-node-exporter-h2-node-exp 10.0.0.12:9100 check",
    );
  });

  it("writes IPv6 addresses in brackets", () => {
    expect(section(renderEdgeConfig(splitBinds()), "backend be_db_5432")).toContain(
      "server h3:gf-test-db-1-db0000aa [fd00::13]:32201 check",
    );
  });
});

describe("listeners", () => {
  it("binds an ingress port for `published` in mode ingress, and only discovery for mode host", () => {
    const config = renderEdgeConfig(splitBinds());
    expect(section(config, "frontend fe_10.0.0.11_80")).toContain("bind 10.0.0.11:80");
    expect(section(config, "frontend fe_10.0.0.11_80")).toContain("default_backend be_web_8080");
    // stats publishes 9102 in mode host: the replica binds it on its own host, the edge must not.
    expect([...sections(config).keys()].filter((k) => k.includes("9102"))).toEqual([
      "frontend fe_172.30.0.2_9102",
      "backend be_stats_9102",
    ]);
  });

  it("writes IPv6 bind addresses in brackets", () => {
    const config = renderEdgeConfig(ipv6Binds());
    expect(section(config, "frontend fe_::_80")).toContain("bind [::]:80");
    expect(section(config, "frontend fe_fd00::2_8080")).toContain("bind [fd00::2]:8080");
    expect(section(config, "frontend gf_stats")).toContain("bind [::1]:8404");
  });

  it("routes services sharing a target port by Host, with or without the port", () => {
    const fe = section(renderEdgeConfig(shop()), "frontend fe_any_8080");
    expect(fe).toContain("mode http");
    expect(fe).toContain("use_backend be_api_8080 if { req.hdr(host) -i api api:8080 }");
    expect(fe).toContain("use_backend be_web_8080 if { req.hdr(host) -i web web:8080 }");
    expect(fe.some((l) => l.startsWith("default_backend"))).toBe(false);
  });

  it("sends an unknown Host to the port's ingress service when ingress and discovery share a socket", () => {
    const web = svc("web", [port(8080, { published: 8080, appProtocol: "http" })]);
    const api = svc("api", [port(8080)], { healthcheck: httpHealth("http://localhost:8080/") });
    const fe = section(
      renderEdgeConfig({ ...shop(), services: [web, api], replicas: [] }),
      "frontend fe_any_8080",
    );
    expect(fe).toContain("use_backend be_api_8080 if { req.hdr(host) -i api api:8080 }");
    expect(fe).toContain("default_backend be_web_8080");
  });

  it("serves one TCP service per port and reports the others instead of misrouting them", () => {
    const plan = planEdge(tcpCollision());
    expect(plan.listeners).toHaveLength(1);
    expect(plan.listeners[0]).toMatchObject({ mode: "tcp", defaultBackend: "be_pg_5432", hostRoutes: [] });
    expect(plan.issues).toEqual([
      expect.objectContaining({ code: "port-shared", service: "pg2", port: 5432 }),
    ]);
    expect(renderEdgeConfig(tcpCollision())).toContain("#   port-shared: pg2 (discovery, tcp)");
  });

  it("reports UDP ports, which HAProxy does not balance", () => {
    expect(planEdge(shop()).issues).toEqual([
      expect.objectContaining({ code: "udp-unsupported", service: "stats", port: 8125 }),
    ]);
  });
});

describe("HTTP and TCP behaviour", () => {
  it("adds X-Forwarded-For on HTTP listeners only", () => {
    const config = renderEdgeConfig(shop());
    expect(section(config, "frontend fe_any_8080")).toContain("option forwardfor");
    expect(section(config, "frontend fe_any_5432")).not.toContain("option forwardfor");
    expect(section(config, "frontend fe_any_5432")).toContain("mode tcp");
  });

  it("sends PROXY v2 (also on checks) only to ports that opt in", () => {
    const config = renderEdgeConfig(shop());
    expect(section(config, "backend be_cache_6379").filter((l) => l.startsWith("server "))).toEqual([
      "server h1:gf-test-cache-1-cache000 10.0.0.11:32301 check send-proxy-v2 check-send-proxy",
    ]);
    expect(config.split("\n").filter((l) => l.includes("send-proxy"))).toHaveLength(1);
  });

  it("probes an HTTP healthcheck's path and derives timings from the healthcheck", () => {
    const be = section(renderEdgeConfig(shop()), "backend be_api_8080");
    expect(be).toContain("option httpchk");
    expect(be).toContain("http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost");
    expect(be).toContain("timeout check 500ms");
    expect(be).toContain(
      "default-server inter 1s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down",
    );
  });

  it("gives up a connection after 500 ms and redispatches it, as backends are on the hosts' LAN", () => {
    const defaults = section(renderEdgeConfig(shop()), "defaults");
    expect(defaults).toEqual(
      expect.arrayContaining(["timeout connect 500ms", "retries 3", "option redispatch 1"]),
    );
  });

  it("probes TCP ports by connecting, at most every 1 s even when Docker checks every 5 s", () => {
    const be = section(renderEdgeConfig(shop()), "backend be_db_5432");
    expect(be).not.toContain("option httpchk");
    expect(be).toContain(
      "default-server inter 1s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down",
    );
  });

  it("keeps every listener when nothing is healthy, so HTTP clients get an immediate 503", () => {
    const config = renderEdgeConfig(nothingHealthy());
    const plan = planEdge(nothingHealthy());
    expect(plan.listeners.map((l) => l.name)).toEqual(planEdge(shop()).listeners.map((l) => l.name));
    expect(plan.backends.every((b) => b.servers.length === 0)).toBe(true);
    expect(section(config, "backend be_web_8080")).toContain("mode http");
    expect(config).not.toMatch(/^\s+server /m);
  });
});

describe("global settings", () => {
  it("runs master-worker with an admin socket that hands listeners over on reload", () => {
    const global = section(renderEdgeConfig(shop()), "global");
    expect(global).toContain("master-worker");
    expect(global).toContain("stats socket /var/run/haproxy.sock mode 600 level admin expose-fd listeners");
  });

  it("balances round-robin and redispatches failed connections", () => {
    const config = renderEdgeConfig(shop());
    expect(section(config, "defaults")).toEqual(expect.arrayContaining(["retries 3", "option redispatch 1"]));
    for (const [name, lines] of sections(config)) {
      if (name.startsWith("backend ")) expect(lines).toContain("balance roundrobin");
    }
  });

  it("keeps idle connections through a reload only when the HAProxy version supports it (>= 2.7)", () => {
    expect(section(renderEdgeConfig(shop()), "global")).not.toContain("idle-close-on-response");
    const input = { ...shop(), options: { idleCloseOnResponse: true } };
    expect(section(renderEdgeConfig(input), "global")).toContain("idle-close-on-response");
  });

  it("adds a stats and Prometheus listener only when asked", () => {
    expect(sections(renderEdgeConfig(shop())).has("frontend gf_stats")).toBe(false);
    expect(section(renderEdgeConfig(splitBinds()), "frontend gf_stats")).toEqual(
      expect.arrayContaining([
        "bind *:8404",
        "http-request use-service prometheus-exporter if { path /metrics }",
      ]),
    );
  });
});
