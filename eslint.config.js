import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    // The pure core never touches effects: no Docker, Git, network, clock or filesystem.
    files: ["src/spec/**", "src/schedule/**", "src/plan/**", "src/status/**", "src/edge/**", "src/model/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            "dockerode",
            "isomorphic-git",
            "node:fs",
            "fs",
            "node:http",
            "http",
            "node:net",
            "net",
            "node-cron",
          ],
          patterns: ["../adapters/*", "../../adapters/*", "node:fs/*"],
        },
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
