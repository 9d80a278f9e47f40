import { describe, expect, it } from "vitest";
import { publishImagePorts } from "../../../src/adapters/docker/image-ports.js";

describe("publishing an image's ports at create", () => {
  const opts = {
    Image: "db:1",
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "10.0.0.1", HostPort: "8080" }] } },
  };

  it("adds the image's TCP ports at an ephemeral port on the host's address, keeping listed ones", () => {
    const out = publishImagePorts(opts, ["53/udp", "5432/tcp", "8080/tcp"], "10.0.0.1");
    expect(out.ExposedPorts).toEqual({ "8080/tcp": {}, "5432/tcp": {} });
    expect(out.HostConfig?.PortBindings).toEqual({
      "8080/tcp": [{ HostIp: "10.0.0.1", HostPort: "8080" }],
      "5432/tcp": [{ HostIp: "10.0.0.1", HostPort: "" }],
    });
  });

  it("leaves host-networked containers (no bindings) and images exposing nothing new as they are", () => {
    const host = { Image: "db:1", HostConfig: { NetworkMode: "host" } };
    expect(publishImagePorts(host, ["5432/tcp"], "10.0.0.1")).toBe(host);
    expect(publishImagePorts(opts, ["8080/tcp", "53/udp"], "10.0.0.1")).toBe(opts);
  });
});
