// CreatedVolumes: a create's volume counts from before the call until a
// listing that began after the call settled; a listing that began earlier
// (it may have missed the volume) does not clear it.

import { describe, expect, it } from "vitest";
import { CreatedVolumes } from "../../../src/observe/created-volumes.js";
import { service } from "../../support/fixtures.js";

const db = service("db", { volumes: ["dbdata"] });
const names = (c: CreatedVolumes, host: string) =>
  c.merge(host, []).map((v) => `${v.name}:${v.service}/${v.slot}`);

describe("volumes made by a create and not listed yet", () => {
  it("are shown for their host from before the call, with the labels Docker puts on them", () => {
    const c = new CreatedVolumes();
    c.creating({ cluster: "prod", host: "h1", service: db, slot: "1", at: 5 });
    expect(names(c, "h1")).toEqual(["gf-prod-dbdata:db/1"]);
    expect(names(c, "h2")).toEqual([]);
  });

  it("stay through a listing that began while the create was in flight, go after one that began later", () => {
    const c = new CreatedVolumes();
    const settled = c.creating({ cluster: "prod", host: "h1", service: db, slot: "1", at: 5 });
    const early = c.mark();
    settled();
    c.seen("h1", early);
    expect(names(c, "h1")).toEqual(["gf-prod-dbdata:db/1"]);
    c.seen("h1", c.mark());
    expect(names(c, "h1")).toEqual([]);
  });

  it("stay while the create has not settled, whatever is listed", () => {
    const c = new CreatedVolumes();
    c.creating({ cluster: "prod", host: "h1", service: db, slot: "1", at: 5 });
    c.seen("h1", c.mark());
    expect(names(c, "h1")).toEqual(["gf-prod-dbdata:db/1"]);
  });

  it("yield to what the listing shows, and are forgotten with their host", () => {
    const c = new CreatedVolumes();
    c.creating({ cluster: "prod", host: "h1", service: db, slot: "2", at: 5 });
    const listed = [
      {
        host: "h1",
        name: "gf-prod-dbdata",
        source: "dbdata",
        driver: "local",
        service: "db",
        slot: "1",
        createdAt: 1,
      },
    ];
    expect(c.merge("h1", listed)).toEqual(listed);
    c.retain(new Set(["h2"]));
    expect(names(c, "h1")).toEqual([]);
  });

  it("are nothing for a service without named volumes", () => {
    const c = new CreatedVolumes();
    c.creating({ cluster: "prod", host: "h1", service: service("web"), slot: "1", at: 5 });
    expect(names(c, "h1")).toEqual([]);
  });
});
