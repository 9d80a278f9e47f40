// deploy/ci/plan-comment.sh against a stand-in of the issue-comment API that
// GitHub and Gitea/Forgejo share (list, create, edit, delete): one sticky
// comment per plan part, updated in place on the next push, parts of a longer
// earlier plan deleted, other people's comments untouched.

import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../support/git-fixtures.js";

const SCRIPT = path.resolve(import.meta.dirname, "../../../deploy/ci/plan-comment.sh");
interface Comment {
  id: number;
  body: string;
}
const comments: Comment[] = [];
let next = 100;
let server: http.Server;
let api = "";
let dir = "";
const seen: string[] = [];

beforeAll(async () => {
  dir = await tempDir("plan-comment");
  server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${req.method} ${url.pathname}`);
      if (req.headers.authorization !== "token t0ken") return void res.writeHead(401).end();
      const list = /^\/repos\/acme\/fleet\/issues\/7\/comments$/.exec(url.pathname);
      const one = /^\/repos\/acme\/fleet\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (list && req.method === "GET") return json(200, comments);
      if (list && req.method === "POST") {
        const c = { id: next++, body: (JSON.parse(data) as { body: string }).body };
        comments.push(c);
        return json(201, c);
      }
      const c = one ? comments.find((x) => x.id === Number(one[1])) : undefined;
      if (c && req.method === "PATCH") {
        c.body = (JSON.parse(data) as { body: string }).body;
        return json(200, c);
      }
      if (c && req.method === "DELETE") {
        comments.splice(comments.indexOf(c), 1);
        return void res.writeHead(204).end();
      }
      json(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(parts: readonly string[]): Promise<number> {
  const plan = path.join(dir, "plan");
  await rm(plan, { recursive: true, force: true });
  await mkdir(plan);
  for (const [i, p] of parts.entries()) await writeFile(path.join(plan, `plan-${i + 1}.md`), p);
  return new Promise((resolve) => {
    execFile(
      "sh",
      [SCRIPT],
      { env: { ...process.env, API: api, REPO: "acme/fleet", PR: "7", TOKEN: "t0ken", DIR: plan } },
      (err) => resolve(err === null ? 0 : typeof err.code === "number" ? err.code : -1),
    );
  });
}

describe("plan-comment.sh", () => {
  it("creates, updates in place, and deletes parts left over; leaves other comments alone", async () => {
    comments.push({ id: 1, body: "LGTM" });
    expect(
      await post(["<!-- gitfleet-plan part 1 of 2 -->\nA", "<!-- gitfleet-plan part 2 of 2 -->\nB"]),
    ).toBe(0);
    expect(comments.map((c) => c.body)).toEqual([
      "LGTM",
      "<!-- gitfleet-plan part 1 of 2 -->\nA",
      "<!-- gitfleet-plan part 2 of 2 -->\nB",
    ]);
    const first = comments[1]!.id;
    expect(await post(["<!-- gitfleet-plan -->\nPlan: 0 to add, 1 to change, 0 to destroy.\n"])).toBe(0);
    expect(comments).toEqual([
      { id: 1, body: "LGTM" },
      { id: first, body: "<!-- gitfleet-plan -->\nPlan: 0 to add, 1 to change, 0 to destroy.\n" },
    ]);
    expect(seen.filter((s) => s.startsWith("DELETE"))).toHaveLength(1);
  });
});
