// Compose's interpolation: the expression forms on their own, the .env
// format, and through the real loader (positions, typing, precedence of the
// operator's variables over .env, redaction of secret-named values).

import { describe, expect, it } from "vitest";
import { parseDotEnv } from "../../../src/spec/compose/dotenv.js";
import { interpolateText } from "../../../src/spec/compose/interpolate.js";
import { loadSpec, loadSpecCached, SpecLoadCache } from "../../../src/spec/index.js";
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
    expect(problem("${EMPTY:?set EMPTY please}").message).toMatch(
      /^required variable EMPTY is empty: set EMPTY please \(define it in /,
    );
    expect(problem("${MISSING?}").message).toMatch(
      /^required variable MISSING is not defined: MISSING is required \(define it in /,
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
    const env = parseDotEnv(lines("OK=1", "not a key=1", "U=x${NOPE}", "Q='open", "R=1"));
    expect(env.problems.map((p) => `${p.line}:${p.col}`)).toEqual(["2:1", "3:4", "4:3"]);
  });
});

describe("parseDotEnv: quotes across lines, as Compose reads them", () => {
  const codes = (env: ReturnType<typeof parseDotEnv>): string[] =>
    env.problems.map((p) => `${p.line}:${p.col} ${p.code}`);

  it("a quote never closed is an error for its key alone, at its quote; the lines after it are read as their own", () => {
    for (const q of ['"', "'"]) {
      const env = parseDotEnv(lines("OK=1", `Q=${q}open`, "R=2", "not a key=1", "S=three # c"));
      expect(codes(env)).toEqual(["2:3 unclosed-quote", "4:1 bad-env-file"]);
      expect(Object.fromEntries(env.values)).toEqual({ OK: "1", R: "2", S: "three" });
      expect([...env.unreadable]).toEqual(["Q"]);
      expect(env.lines.get("R")).toBe(3);
    }
  });

  it("a quote closed on a later line only by another line's quote (text after it) is the opening line's unclosed quote", () => {
    // Read as Compose reads it, A would run to C's first quote and leave `z"` behind (an error in Compose too).
    const env = parseDotEnv(lines('A="open', "B=1", 'C="z"', "D=4"));
    expect(codes(env)).toEqual(["1:3 unclosed-quote"]);
    expect(Object.fromEntries(env.values)).toEqual({ B: "1", C: "z", D: "4" });
    expect([...env.unreadable]).toEqual(["A"]);
  });

  it("reads a valid multi-line value (double-quoted interpolated, single-quoted literal), and the keys after it", () => {
    const env = parseDotEnv(
      lines(
        "A=1", // 1
        'M="first', // 2
        "second $A", // 3
        'third" # a comment after the closing quote', // 4
        "B=2", // 5
        "L='x $A", // 6
        "y'", // 7
        "C=3", // 8
      ),
    );
    expect(env.problems).toEqual([]);
    expect(Object.fromEntries(env.values)).toEqual({
      A: "1",
      M: "first\nsecond 1\nthird",
      B: "2",
      L: "x $A\ny",
      C: "3",
    });
    expect([env.lines.get("M"), env.lines.get("B"), env.lines.get("L"), env.lines.get("C")]).toEqual([
      2, 5, 6, 8,
    ]);
  });

  it("a comment after a closing quote is a comment, with or without a blank before it (as in Compose)", () => {
    const env = parseDotEnv(lines('A="x" # note', "B='y'# note", 'C="z"   ', "D='w' \t#"));
    expect(env.problems).toEqual([]);
    expect(Object.fromEntries(env.values)).toEqual({ A: "x", B: "y", C: "z", D: "w" });
  });

  it("other text after a quote closed on its line is text-after-quote, at that text (Compose reads it as more statements)", () => {
    // Compose: A=x and junk from the shell; B=y and C=z; D=w then fails on "two words"; E=v and a bare y.
    const env = parseDotEnv(
      lines('A="x" junk', "B='y' C=z", 'D="w" two words', 'E="v"y', "F=1", '  export G = "g"  H'),
      () => "from the shell",
    );
    expect(codes(env)).toEqual([
      "1:7 text-after-quote",
      "2:7 text-after-quote",
      "3:7 text-after-quote",
      "4:6 text-after-quote",
      "6:19 text-after-quote",
    ]);
    expect(Object.fromEntries(env.values)).toEqual({ F: "1" });
    expect([...env.unreadable]).toEqual(["A", "B", "D", "E", "G"]);
    expect(env.problems[0]!.message).toBe(
      "text after the closing \" of A's value: Compose would read it as more variables on this line " +
        "(a name alone taken from the shell); put it inside the quotes, on a line of its own, or after a # as a comment",
    );
  });

  it("an escaped quote does not close the value, in single quotes too (Compose: VAR='Let\\'s go!')", () => {
    const env = parseDotEnv(lines("S='Let\\'s go!'", 'D="say \\"hi\\""', "N=1"));
    expect(env.problems).toEqual([]);
    expect(Object.fromEntries(env.values)).toEqual({ S: "Let's go!", D: 'say "hi"', N: "1" });
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
      // The value stays as written, which is not a port either; only the interpolation error is said.
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

  it("an unclosed quote in .env is an error at its quote; a bad line after it is still its own error", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": service("a"), "services/.env": lines("A=1", "B='open", "C D=2") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/.env:2:3 unclosed-quote",
      "services/.env:3:1 bad-env-file",
    ]);
  });

  it("text after a closing quote in .env is text-after-quote there, and not again where the variable is used", () => {
    const errors = errorsOf(
      repo({ "services/web.yaml": web, "services/.env": lines('TAG="1.4" junk', "PORT=8080 # a comment") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/.env:1:11 text-after-quote",
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

describe("a value that cannot be interpolated is reported once, by its interpolation error", () => {
  // Before: the raw text ("${PORT:?must be set}") went on to the later checks, which reported a
  // second error at the same place (not a port, not an image, not a size...).
  const where = (files: Record<string, string>): string[] =>
    errorsOf(repo(files)).map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`);
  const SET_IT = /define it in the \.env file beside this file or in the operator configuration's variables/;

  it("a required variable left unset, in a service document", () => {
    const doc = service(
      "web", // lines 1-3
      "ports:", // 4
      "  - target: 80", // 5
      "    published: ${PORT:?must be set}", // 6
      "deploy:", // 7
      "  replicas: ${R:?say how many}", // 8
      "  resources:", // 9
      "    limits:", // 10
      "      memory: ${M:?x}", // 11
      'stop_grace_period: "${G:?x}s"', // 12
    );
    expect(where({ "services/web.yaml": doc })).toEqual([
      "services/web.yaml:6:16 undefined-variable",
      "services/web.yaml:8:13 undefined-variable",
      "services/web.yaml:11:15 undefined-variable",
      "services/web.yaml:12:21 undefined-variable",
    ]);
    const [first] = errorsOf(repo({ "services/web.yaml": doc }));
    expect(first?.message).toContain("must be set");
    expect(first?.message).toMatch(SET_IT);
  });

  it("a malformed ${ in a service document, and the service's name", () => {
    const doc = lines(
      "kind: Service", // 1
      "name: ${NAME:?name the service}", // 2
      'image: "busybox:${TAG"', // 3
    );
    const errors = errorsOf(repo({ "services/web.yaml": doc }));
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/web.yaml:2:7 undefined-variable",
      "services/web.yaml:3:17 bad-interpolation",
    ]);
    expect(errors[1]?.message).toMatch(/close the expression with }.*\$\$ for a literal \$/);
  });

  it("in a stack's Compose file, and the same from a cached load", () => {
    const compose = lines(
      "services:", // 1
      "  web:", // 2
      "    image: ${IMG:?set IMG}", // 3
      "    ports:", // 4
      '      - "${P:?p}:80"', // 5
      "    mem_limit: ${M", // 6
      "    cpus: ${C:?x}", // 7
    );
    const files = repo({ "stacks/shop/compose.yaml": compose });
    const expected = [
      "stacks/shop/compose.yaml:3:12 undefined-variable",
      "stacks/shop/compose.yaml:5:10 undefined-variable",
      "stacks/shop/compose.yaml:6:16 bad-interpolation",
      "stacks/shop/compose.yaml:7:11 undefined-variable",
    ];
    expect(where({ "stacks/shop/compose.yaml": compose })).toEqual(expected);
    const cache = new SpecLoadCache();
    for (let i = 0; i < 2; i++) {
      const r = loadSpecCached(new Map(Object.entries(files)), {}, cache);
      if (r.ok) throw new Error("expected the repository to be rejected");
      expect(r.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual(expected);
    }
  });

  it("also where an alias or a merge key brings the value elsewhere (x- anchors, <<: *base)", () => {
    const compose = lines(
      "x-base: &base", // 1
      "  image: ${IMG:?set IMG}", // 2
      "  mem_limit: ${M:?x}", // 3
      "x-port: &port ${P:?x}", // 4
      "services:", // 5
      "  web:", // 6
      "    <<: *base", // 7
      "    ports:", // 8
      "      - target: 80", // 9
      "        published: *port", // 10
      "  api:", // 11
      "    <<: *base", // 12
      "    cpus: lots", // 13
    );
    expect(where({ "stacks/shop/compose.yaml": compose })).toEqual([
      "stacks/shop/compose.yaml:2:10 undefined-variable",
      "stacks/shop/compose.yaml:3:14 undefined-variable",
      "stacks/shop/compose.yaml:4:15 undefined-variable",
      // Not a consequence of the above: still said.
      "stacks/shop/compose.yaml:13:11 bad-cpus",
    ]);
  });

  it("a variable whose .env line is itself an error is reported there, not again where it is used", () => {
    const doc = service(
      "web", // lines 1-3
      "environment:", // 4
      "  A: ${A}", // 5
      "  C: ${C:?need C}", // 6
      "  D: ${D}", // 7
    );
    const env = lines("A=${B:?need B}", 'C="never closed', "OK=1");
    expect(where({ "services/web.yaml": doc, "services/.env": env })).toEqual([
      "services/.env:1:3 bad-env-file",
      "services/.env:2:3 unclosed-quote",
      // D is simply not defined anywhere: still said.
      "services/web.yaml:7:6 undefined-variable",
    ]);
  });

  it("other problems of the same document are still reported", () => {
    const doc = service("web", "ports:", "  - target: 80", "    published: ${PORT:?x}", "  - target: 99999");
    expect(where({ "services/web.yaml": doc })).toEqual([
      "services/web.yaml:6:16 undefined-variable",
      "services/web.yaml:7:13 bad-port",
    ]);
  });
});
