// Compose's interpolation: the expression forms on their own, the .env
// format, and through the real loader (positions, typing, precedence of the
// operator's variables over .env, redaction of secret-named values).

import { describe, expect, it } from "vitest";
import { parseDotEnv } from "../../../src/spec/compose/dotenv.js";
import { interpolateText } from "../../../src/spec/compose/interpolate.js";
import { loadSpec } from "../../../src/spec/index.js";
import { CLUSTER, errorsOf, lines, repo, service, stateOf } from "./helpers.js";

const VARS: Record<string, string> = { TAG: "1.2", EMPTY: "", NAME: "web" };
const lookup = (n: string): string | undefined => VARS[n];

function text(t: string): string {
  const r = interpolateText(t, lookup);
  if (!r.ok) throw new Error(r.problem.message);
  return r.value;
}

function problem(t: string): { index: number; kind: string; message: string } {
  const r = interpolateText(t, lookup);
  if (r.ok) throw new Error(`expected a problem, got ${JSON.stringify(r.value)}`);
  return r.problem;
}

describe("interpolateText", () => {
  it.each([
    ["plain text", "plain text"],
    ["img:${TAG}", "img:1.2"],
    ["img:$TAG-x", "img:1.2-x"],
    ["$$TAG", "$TAG"],
    ["$${TAG}", "${TAG}"],
    ["a $$ b", "a $ b"],
    ["${MISSING:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["${MISSING-dflt}", "dflt"],
    ["${TAG:-dflt}", "1.2"],
    ["${MISSING:-${NAME}-${TAG}}", "web-1.2"],
    ["${TAG:+set}", "set"],
    ["${EMPTY:+set}", ""],
    ["${EMPTY+set}", "set"],
    ["${MISSING+set}", ""],
    ["${TAG:?must be set}", "1.2"],
    ["${EMPTY?unset only}", ""],
    ["price $1 and $ alone, trailing $", "price $1 and $ alone, trailing $"],
  ])("%j → %j", (input, expected) => {
    expect(text(input)).toBe(expected);
  });

  it("an undefined variable without a default is an error at its $", () => {
    const p = problem("x ${MISSING} y");
    expect(p).toMatchObject({ index: 2, kind: "undefined" });
    expect(p.message).toContain("variable MISSING is not defined");
    expect(p.message).toContain("$$");
    expect(problem("a $MISSING")).toMatchObject({ index: 2, kind: "undefined" });
  });

  it("required variables stop with their message", () => {
    expect(problem("${EMPTY:?set EMPTY please}").message).toBe(
      "required variable EMPTY is empty: set EMPTY please",
    );
    expect(problem("${MISSING?}").message).toBe(
      "required variable MISSING is not defined: MISSING is required",
    );
  });

  it("malformed expressions are syntax errors", () => {
    expect(problem("${1X}")).toMatchObject({ index: 0, kind: "syntax" });
    expect(problem("ab ${TAG")).toMatchObject({ index: 3, kind: "syntax" });
    expect(problem("${TAG!x}").message).toContain("after the name");
  });

  it("reports the variables it read", () => {
    const r = interpolateText("${MISSING:-$NAME} $$NOT", lookup);
    expect(r.ok && r.variables).toEqual(["MISSING", "NAME"]);
  });
});

describe("parseDotEnv", () => {
  it("reads Compose's .env format", () => {
    const env = parseDotEnv(
      lines(
        "# comment",
        "A=1",
        "export B = two words  # comment",
        "C='lit $A'",
        'D="line\\nnext $A"',
        "E=${A}-${OUTER}",
        'F="multi',
        'line"',
        "G=",
        "A=again",
        "BARE",
        "OUTERBARE",
      ),
      (n) => ({ OUTER: "o", OUTERBARE: "ob" })[n],
    );
    expect(Object.fromEntries(env.values)).toEqual({
      A: "again",
      B: "two words",
      C: "lit $A",
      D: "line\nnext 1",
      E: "1-o",
      F: "multi\nline",
      G: "",
      OUTERBARE: "ob",
    });
    expect(env.problems).toEqual([]);
    expect(env.lines.get("A")).toBe(10);
  });

  it("points at what it cannot read", () => {
    // An open quote may close on a later line, so it takes the rest of the file.
    const env = parseDotEnv(lines("OK=1", "not a key=1", "U=x${NOPE}", "Q='open", "R=1"));
    expect(env.problems.map((p) => `${p.line}:${p.col}`)).toEqual(["2:1", "3:4", "4:3"]);
  });
});

describe("interpolation in service documents, through the loader", () => {
  const web = service(
    "web", // lines 1-3
    "environment:", // 4
    "  TAG: ${TAG}", // 5
    '  QUOTED: "${PORT}"', // 6
    "  LITERAL: $$HOME", // 7
    "ports:", // 8
    "  - target: 80", // 9
    "    published: ${PORT}", // 10
    "deploy:", // 11
    "  replicas: ${REPLICAS:-2}", // 12
  );

  it("takes variables from the .env file beside the document; unquoted values are typed again", () => {
    const s = stateOf(repo({ "services/web.yaml": web, "services/.env": lines("TAG=1.4", "PORT=8080") }));
    const svc = s.services[0];
    expect(svc?.environment).toEqual({ TAG: "1.4", QUOTED: "8080", LITERAL: "$HOME" });
    expect(svc?.ports[0]?.published).toBe(8080);
    expect(svc?.deploy.replicas).toBe(2);
  });

  it("the operator configuration's variables win over .env", () => {
    const files = repo({ "services/web.yaml": web, "services/.env": lines("TAG=1.4", "PORT=8080") });
    const r = loadSpec(new Map(Object.entries(files)), { variables: { TAG: "9.9", REPLICAS: "4" } });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.state.services[0]?.environment["TAG"]).toBe("9.9");
    expect(r.state.services[0]?.deploy.replicas).toBe(4);
  });

  it("an .env in another folder does not apply", () => {
    const errors = errorsOf(
      repo({ "services/web.yaml": web, "services/other/.env": lines("TAG=1", "PORT=2") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/web.yaml:5:8 undefined-variable",
      "services/web.yaml:6:12 undefined-variable",
      // The value stays as written, so the port is also not a port (the schema, now that a published
      // port may be a string as in Compose, says so); both point at the line to fix.
      "services/web.yaml:10:16 schema",
      "services/web.yaml:10:16 undefined-variable",
    ]);
  });

  it("cluster.yaml is not interpolated", () => {
    const cluster = CLUSTER.replace("name: test", "name: test$$");
    const errors = errorsOf({ "cluster.yaml": cluster, "services/a.yaml": service("a") });
    expect(errors.map((e) => e.code)).toEqual(["invalid-name"]);
  });

  it("a bad .env line is an error at its own position", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": service("a"), "services/.env": lines("A=1", "B C=2") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/.env:2:1 bad-env-file",
    ]);
  });

  it("values of secret-named variables never appear in messages", () => {
    const doc = service("a", "ports:", "  - ${DB_PASSWORD}");
    const r = loadSpec(new Map(Object.entries(repo({ "services/a.yaml": doc }))), {
      variables: { DB_PASSWORD: "hunter2-secret" },
    });
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).not.toContain("hunter2-secret");
    expect(text).toContain("***");
  });
});

describe("interpolation in a stack's Compose file", () => {
  const compose = lines(
    "services:", // 1
    "  web:", // 2
    "    image: shop/web:${TAG}", // 3
    "    environment:", // 4
    "      DB: ${DB_HOST:-db}", // 5
    "      ORIGIN: ${ORIGIN}", // 6
  );

  it("reads the .env in the stack's folder", () => {
    const s = stateOf(
      repo({ "stacks/shop/compose.yaml": compose, "stacks/shop/.env": lines("TAG=2", "ORIGIN=o") }),
    );
    const web = s.services.find((x) => x.name === "shop_web");
    expect(web?.image).toBe("shop/web:2");
    expect(web?.environment).toEqual({ DB: "db", ORIGIN: "o" });
  });

  it("an undefined variable is an error at its place in the Compose file", () => {
    const errors = errorsOf(
      repo({ "stacks/shop/compose.yaml": compose, "stacks/shop/.env": lines("TAG=2") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "stacks/shop/compose.yaml:6:15 undefined-variable",
    ]);
  });
});
