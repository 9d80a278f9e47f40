// Item 9 of issue 15: identical specs of two services share a spec hash (the
// hash fingerprints a container's shape only, and is kept stable so an
// upgrade replaces nothing). Their identity is (service, hash): containers,
// remembered specs, holds and failover never mix them up.

import { describe, expect, it } from "vitest";
import { SpecLibrary } from "../../../src/reconcile/memory/spec-library.js";
import { containerName, specKey } from "../../../src/model/names.js";
import { loadSpec } from "../../../src/spec/index.js";
import { desiredState, host, replica, service } from "../../support/fixtures.js";

const twin = (name: string): string => `kind: Service
name: ${name}
image: gitfleet/web:1
deploy: {replicas: 1}
`;

describe("spec identity", () => {
  it("gives identical specs of two services the same hash, and tells them apart by service", () => {
    const files = new Map([
      [
        "cluster.yaml",
        "kind: Cluster\nname: c\nhosts: [{name: h1, docker: unix:///run/docker.sock, address: 127.0.0.1}]\nedge: {image: haproxy:2.6}\n",
      ],
      ["services/a.yaml", twin("a")],
      ["services/b.yaml", twin("b")],
    ]);
    const r = loadSpec(files);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const [a, b] = r.state.services;
    expect(a?.specHash).toBe(b?.specHash);
    expect(specKey("a", a?.specHash ?? "")).not.toBe(specKey("b", b?.specHash ?? ""));
    expect(containerName("c", "a", "1", a?.specHash ?? "")).not.toBe(
      containerName("c", "b", "1", b?.specHash ?? ""),
    );
  });

  it("remembers specs by service and hash: a twin's spec is never handed out for the other service", () => {
    const a = service("a", { image: "img:1", specHash: "same".padEnd(16, "0") });
    const b = service("b", { image: "img:1", specHash: "same".padEnd(16, "0"), replicas: 3 });
    const lib = new SpecLibrary();
    lib.remember(desiredState([host("h1")], [a]));
    expect(lib.specOf("a", a.specHash)).toBe(a);
    expect(lib.specOf("b", b.specHash)).toBeUndefined();
    lib.remember(desiredState([host("h1")], [b]));
    expect(lib.specOf("b", b.specHash)).toBe(b);
    // Only specs that are desired or still run are kept.
    lib.retain(desiredState([host("h1")], [b]), [replica(b, "1", "h1")]);
    expect(lib.specOf("a", a.specHash)).toBeUndefined();
    expect(lib.specOf("b", b.specHash)).toBe(b);
  });
});
