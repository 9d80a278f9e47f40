// The gate of standby operators: a process that does not lead (by its own clock)
// makes no call that changes a host and pushes no status; reads stay open; what
// a leader creates carries its epoch; status commits carry it as a trailer.

import { describe, expect, it } from "vitest";
import { gateDriver } from "../../../src/execute/leader-gate.js";
import type { Leadership, LeaseTerm } from "../../../src/model/leadership.js";
import type { HostDriver } from "../../../src/ports/host.js";
import { leaderGatedSink } from "../../../src/report/leader-gated-sink.js";

class FakeLeadership implements Leadership {
  leading = true;
  readonly term0: LeaseTerm = { holder: "me", epoch: 42, leaseId: "1" };
  mayAct(): boolean {
    return this.leading;
  }
  get term(): LeaseTerm | undefined {
    return this.leading ? this.term0 : undefined;
  }
  abdicate(): void {
    this.leading = false;
  }
}

function fakeDriver(calls: string[]): HostDriver {
  const rec =
    (name: string, result: unknown = undefined) =>
    (...args: unknown[]) => {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return Promise.resolve(result);
    };
  const target = { reload: rec("edge.reload"), writeConfig: rec("edge.writeConfig") };
  return {
    name: "h1",
    ping: rec("ping"),
    facts: rec("facts"),
    observe: rec("observe", []),
    status: rec("status"),
    pull: rec("pull", "present"),
    create: rec("create", { id: "c1", name: "n", adopted: false }),
    start: rec("start", "started"),
    stop: rec("stop", "stopped"),
    remove: rec("remove", "removed"),
    watch: () => () => undefined,
    close: () => undefined,
    edge: { ensure: rec("edge.ensure"), target: () => target },
    volumes: {
      list: rec("volumes.list", []),
      sizes: rec("volumes.sizes"),
      markSuperseded: rec("volumes.mark"),
    },
  } as unknown as HostDriver;
}

const request = { service: { name: "web" }, slot: "1", commit: "abc", restarts: 0 } as never;

describe("leader gate", () => {
  it("lets the leader act and stamps its epoch on what it creates", async () => {
    const calls: string[] = [];
    const d = gateDriver(fakeDriver(calls), new FakeLeadership());
    await d.create(request);
    await d.start("c1");
    await d.edge?.target("e2e").reload();
    expect(calls[0]).toContain('"epoch":42');
    expect(calls).toHaveLength(3);
  });

  it("refuses every changing call of a non-leader with code fenced, before it leaves the process", async () => {
    const calls: string[] = [];
    const lead = new FakeLeadership();
    const d = gateDriver(fakeDriver(calls), lead);
    lead.leading = false;
    for (const call of [
      () => d.create(request),
      () => d.start("c1"),
      () => d.stop("c1", 1_000),
      () => d.remove("c1"),
      () => d.pull("web:1"),
      () => d.edge!.ensure({} as never, () => true),
      () => d.edge!.target("e2e").reload(),
      () => d.volumes!.markSuperseded({ volume: "v", by: "x", image: "i" }),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: "fenced" }) as Error);
    }
    expect(calls).toEqual([]);
    // Reads stay open: a standby keeps its view of the hosts fresh.
    await d.ping();
    await d.observe();
    await d.volumes!.list();
    expect(calls.map((c) => c.split(" ")[0])).toEqual(["ping", "observe", "volumes.list"]);
  });

  it("pushes status only while leading, each commit with its epoch as a trailer", async () => {
    const messages: string[] = [];
    const lead = new FakeLeadership();
    const sink = leaderGatedSink(
      {
        write: (_files, message) => {
          messages.push(message);
          return Promise.resolve({ committed: true, pushed: true, commit: "c" });
        },
      },
      lead,
    );
    const files = new Map([["status/cluster.yaml", "x"]]);
    expect((await sink.write(files, "web: 3/3\n\ndetails")).committed).toBe(true);
    lead.leading = false;
    const refused = await sink.write(files, "web: 2/3");
    expect(refused).toMatchObject({ committed: false, pushed: false });
    expect(refused.error).toMatch(/not the leader/);
    expect(messages).toEqual(["web: 3/3\n\ndetails\n\nGitfleet-Epoch: 42\n"]);
  });
});
