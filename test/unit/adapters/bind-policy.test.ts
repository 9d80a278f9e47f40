// The effects side checks bind mounts again against the policy it is handed (defence in depth):
// the host's time zone files read-only pass on their own, read-write or other paths do not.

import { describe, expect, it } from "vitest";
import { buildCreateOptions, type ReplicaRequest } from "../../../src/adapters/docker/container-config.js";
import type { VolumeSpec } from "../../../src/model/spec.js";
import { service } from "../../support/fixtures.js";

function request(volumes: VolumeSpec[]): ReplicaRequest {
  return {
    cluster: "prod",
    service: { ...service("api"), volumes },
    slot: "1",
    commit: "c0ffee",
    secretEnv: {},
    hostAddress: "10.0.0.1",
    policy: {
      allowPrivileged: false,
      allowHostNetwork: false,
      allowBindMounts: [],
      readOnlyBinds: ["/etc/localtime", "/etc/timezone"],
    },
  };
}

const bind = (source: string, readOnly: boolean): VolumeSpec => ({
  type: "bind",
  source,
  target: source,
  readOnly,
});

describe("bind mounts at container creation", () => {
  it("mounts /etc/localtime read-only", () => {
    const mounts = buildCreateOptions(request([bind("/etc/localtime", true)])).HostConfig?.Mounts;
    expect(mounts).toEqual([
      { Type: "bind", Source: "/etc/localtime", Target: "/etc/localtime", ReadOnly: true },
    ]);
  });

  it("refuses it read-write, and other host files read-only", () => {
    expect(() => buildCreateOptions(request([bind("/etc/localtime", false)]))).toThrow(/outside policy/);
    expect(() => buildCreateOptions(request([bind("/etc/passwd", true)]))).toThrow(/outside policy/);
    expect(() => buildCreateOptions(request([bind("/etc/localtime/../shadow", true)]))).toThrow(
      /outside policy/,
    );
  });
});
