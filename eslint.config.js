import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Modules that reach Docker, Git, the network, the disk or other processes, and the logger
// implementation. Only the adapters import them (and the process itself: the CLI, the
// daemon's wiring, the reader of the operator configuration); everything else goes through
// the interfaces in src/ports. test/unit/lint/import-boundaries.test.ts shows the rule failing.
const EFFECT_MODULES = [
  "dockerode",
  "isomorphic-git",
  "ssh2",
  "pino",
  "node:fs",
  "fs",
  "node:fs/promises",
  "fs/promises",
  "node:net",
  "net",
  "node:http",
  "http",
  "node:https",
  "https",
  "node:child_process",
  "child_process",
].map((name) => ({ name, message: "Effects go through src/ports; only src/adapters import this." }));
const ADAPTERS = {
  group: ["**/adapters/**"],
  message:
    "Take the port (src/ports) as a parameter; the process wiring (src/daemon/bootstrap.ts) picks the adapter.",
};
const BOUNDARY = { paths: EFFECT_MODULES, patterns: [ADAPTERS] };
// The process itself: where the adapters are chosen and wired (see README, layout).
const PROCESS_WIRING = [
  "src/adapters/**",
  "src/cli/**",
  "src/daemon/bootstrap.ts",
  "src/daemon/bootstrap-outward.ts",
  "src/daemon/git-desired.ts",
  // The node-cron schedule is a trigger's timer.
  "src/daemon/triggers.ts",
  // Reads the operator's own configuration and secret files, before any port exists.
  "src/config/load.ts",
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".testbed/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // No function longer than a screen without a reason written beside it: split it, or say why it
    // reads better whole with `// eslint-disable-next-line max-lines-per-function -- <why>`.
    files: ["src/**"],
    rules: { "max-lines-per-function": ["error", { max: 50, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The effects side (daemon, reconcile, observe, execute, report, desired, ports) reaches the
    // world only through ports.
    files: ["src/**"],
    ignores: PROCESS_WIRING,
    rules: { "no-restricted-imports": ["error", BOUNDARY] },
  },
  {
    // The pure core never touches effects: no Docker, Git, network, clock or filesystem.
    files: [
      "src/spec/**",
      "src/schedule/**",
      "src/plan/**",
      "src/status/**",
      "src/edge/**",
      "src/model/**",
      "src/ports/**",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [...EFFECT_MODULES, { name: "node-cron" }], patterns: BOUNDARY.patterns },
      ],
      "no-restricted-globals": ["error", { name: "Date", message: "Pure code takes time as input." }],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Pure code takes time as input." },
        { object: "Math", property: "random", message: "Pure code must be deterministic." },
      ],
    },
  },
);
