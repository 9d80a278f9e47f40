import { describe, expect, it } from "vitest";
import { StatusReporter } from "../../../src/report/status-reporter.js";
import { appendEvent, emptyEventLog, type EventLog } from "../../../src/status/index.js";
import { syncedInput } from "../status/fixtures.js";
import { FakeSink } from "../../support/fakes/fake-ports.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { silent } from "../../support/fakes/execute-harness.js";

/** A status that differs from the one before: one more event. */
function nth(n: number, log: { events: EventLog }) {
  log.events = appendEvent(log.events, {
    time: 1_700_000_000_000 + n,
    kind: "failed",
    service: "web",
    message: `failure ${"abcdefghijklmnopqrstuvwxyz"[n] ?? ""}`,
  });
  return syncedInput({ events: log.events });
}

describe("status reporter: pacing", () => {
  it("commits at most once per interval, coalescing the writes in between into the newest", async () => {
    const time = new FakeTime();
    const sink = new FakeSink(time);
    const reporter = new StatusReporter(sink, silent, { time, minIntervalMs: 5_000 });
    const log = { events: emptyEventLog() };
    // 20 changes, one every 200 ms: 4 s of a failing service.
    for (let i = 0; i < 20; i++) {
      expect(await time.run(reporter.write(nth(i, log)))).toBe(true);
      await time.run(time.sleep(200));
    }
    await time.run(time.sleep(5_000));
    expect(sink.writes.map((w) => w.time - (sink.writes[0]?.time ?? 0))).toEqual([0, 5_000]);
    expect(sink.last("status/cluster.yaml")).toContain("failure t");
  });

  it("flush() writes what waits at once (shutdown), and nothing when nothing waits", async () => {
    const time = new FakeTime();
    const sink = new FakeSink(time);
    const reporter = new StatusReporter(sink, silent, { time, minIntervalMs: 5_000 });
    const log = { events: emptyEventLog() };
    await time.run(reporter.write(nth(0, log)));
    await time.run(reporter.write(nth(1, log)));
    expect(sink.writes).toHaveLength(1);
    await time.run(reporter.flush());
    expect(sink.writes).toHaveLength(2);
    expect(sink.last("status/cluster.yaml")).toContain("failure b");
    await time.run(reporter.flush());
    expect(sink.writes).toHaveLength(2);
  });
});
