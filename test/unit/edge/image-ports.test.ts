// A stack's service found by name on its image's EXPOSE: the observed image ports come into the
// pure edge plan as data, beside the desired services.

import { describe, expect, it } from "vitest";
import { imageTcpPorts, MAX_IMAGE_PORTS } from "../../../src/model/image-ports.js";
import { observedImagePorts, unreachableByName, withImagePorts } from "../../../src/edge/image-ports.js";
import { FleetEdges, planEdge } from "../../../src/edge/index.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { HOSTS, port, rep, svc } from "./fixtures.js";

function inStack(s: ServiceSpec, service = s.name): ServiceSpec {
  return { ...s, stack: { name: "shop", service }, networks: [{ name: "shop_default", aliases: [service] }] };
}

function exposing(
  r: ObservedReplica,
  imagePorts: string[],
  published: Record<string, number>,
): ObservedReplica {
  return { ...r, imagePorts, publishedPorts: { ...r.publishedPorts, ...published } };
}

describe("an image's exposed TCP ports", () => {
  it("are its tcp keys, ascending, each once; udp and junk left out", () => {
    expect(imageTcpPorts(["6379/tcp", "53/udp", "5432/tcp", "5432", "x/tcp", "0/tcp", "70000/tcp"])).toEqual([
      5432, 6379,
    ]);
  });

  it("are at most MAX_IMAGE_PORTS, the lowest", () => {
    const many = Array.from({ length: 100 }, (_, i) => `${10100 - i}/tcp`);
    const ports = imageTcpPorts(many);
    expect(ports).toHaveLength(MAX_IMAGE_PORTS);
    expect(ports[0]).toBe(10001);
    expect(ports.at(-1)).toBe(10000 + MAX_IMAGE_PORTS);
  });

  it("are per service the union over its replicas whose image was read", () => {
    const db = inStack(svc("shop_db", []), "db");
    const observed = observedImagePorts([
      exposing(rep(db, "1", "h1", 32000), ["5432/tcp"], {}),
      exposing(rep(db, "2", "h2", 32000), ["5433/tcp", "5432/tcp"], {}),
      rep(db, "3", "h3", 32000), // not read (image gone): says nothing
    ]);
    expect([...observed]).toEqual([["shop_db", [5432, 5433]]]);
  });
});

describe("the services as the names edge serves them", () => {
  const db = inStack(svc("shop_db", []), "db");
  const web = inStack(svc("shop_web", [port(8080)]), "web");

  it("gain a stack service's image ports that nobody lists", () => {
    const [d, w] = withImagePorts(
      [db, web],
      new Map([
        ["shop_db", [5432]],
        ["shop_web", [8080, 9090]],
      ]),
    );
    expect(d?.ports).toEqual([{ target: 5432, protocol: "tcp", mode: "ingress" }]);
    expect(w?.ports.map((p) => p.target)).toEqual([8080, 9090]);
  });

  it("leave a port another service lists to that service", () => {
    const [d] = withImagePorts([db, web], new Map([["shop_db", [5432, 8080]]]));
    expect(d?.ports.map((p) => p.target)).toEqual([5432]);
  });

  it("leave services/ documents and host-networked services as they are", () => {
    const plain = svc("db", []);
    const host = inStack(svc("shop_h", [], { networkMode: "host" }), "h");
    const out = withImagePorts(
      [plain, host],
      new Map([
        ["db", [5432]],
        ["shop_h", [5432]],
      ]),
    );
    expect(out[0]).toBe(plain);
    expect(out[1]).toBe(host);
  });

  it("are the desired ones when nothing was observed", () => {
    const services = [db, web];
    expect(withImagePorts(services, undefined)).toBe(services);
    expect(withImagePorts(services, new Map())).toBe(services);
  });
});

describe("the names edge plan with observed image ports", () => {
  const db = inStack(svc("shop_db", []), "db");
  const replicas = [
    exposing(rep(db, "1", "h2", 32000), ["5432/tcp"], { "5432/tcp": 32100 }),
    exposing(rep(db, "2", "h3", 32000), ["5432/tcp"], { "5432/tcp": 32200 }),
  ];
  const base = {
    cluster: "prod",
    host: { name: "h1", address: "10.0.0.11" },
    hosts: HOSTS,
    services: [db],
    replicas,
  };

  it("listens on the image's port and balances to every host's replica at its published port", () => {
    const plan = planEdge({ ...base, imagePorts: observedImagePorts(replicas) });
    expect(plan.listeners.map((l) => [l.port, l.mode, l.defaultBackend])).toEqual([
      [5432, "tcp", "be_shop_db_5432"],
    ]);
    expect(plan.backends[0]?.servers.map((s) => `${s.address}:${s.port}`)).toEqual([
      "10.0.0.12:32100",
      "10.0.0.13:32200",
    ]);
    expect(plan.issues).toEqual([]);
  });

  it("serves nothing for it before any image was read (the first pass)", () => {
    const plan = planEdge({ ...base, replicas: replicas.map(({ imagePorts: _, ...r }) => r) });
    expect(plan.listeners).toEqual([]);
    expect(plan.backends).toEqual([]);
  });

  it("is the same from FleetEdges as from planEdge", () => {
    const imagePorts = observedImagePorts(replicas);
    const fleet = new FleetEdges({ cluster: "prod", hosts: HOSTS, services: [db], replicas, imagePorts });
    for (const h of HOSTS) {
      const host = { name: h.name, address: h.address };
      expect(fleet.planFor({ host })).toEqual(planEdge({ ...base, host, imagePorts }));
    }
  });
});

describe("a stack service nothing answers for by name", () => {
  const db = inStack(svc("shop_db", []), "db");
  const app: ServiceSpec = { ...inStack(svc("shop_app", []), "app"), dependsOn: ["shop_db"] };
  const noTcp = observedImagePorts([
    exposing(rep(db, "1", "h1", 1), ["53/udp"], {}),
    exposing(rep(app, "1", "h1", 1), [], {}),
  ]);

  it("is one depended on whose image was read and exposes no TCP port, and that lists none", () => {
    const out = unreachableByName([app, db], noTcp);
    expect([...out.keys()]).toEqual(["shop_db"]);
    expect(out.get("shop_db")?.[0]).toContain('unreachable-by-name: "db" lists no port');
    expect(out.get("shop_db")?.[0]).toContain("under its expose:");
  });

  it("is not one nobody depends on, whose image is not read yet, exposes a TCP port, or lists one", () => {
    const listed = inStack(svc("shop_db", [port(5432)]), "db");
    expect(unreachableByName([db], noTcp).size).toBe(0);
    expect(unreachableByName([app, db], new Map()).size).toBe(0);
    expect(unreachableByName([app, db], new Map([["shop_db", [5432]]])).size).toBe(0);
    expect(unreachableByName([app, listed], new Map([["shop_db", []]])).size).toBe(0);
  });
});
