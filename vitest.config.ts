import { defineConfig } from "vitest/config";

// Three projects: pure units; integration tests against real local servers
// (git http-backend, HAProxy, the local default dockerd, a registry); end-to-end
// tests on the test bed (three dockerd hosts in network namespaces plus a local
// registry), which its global setup brings up.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["test/integration/**/*.test.ts"],
          // Deadlines against hangs, not speed checks: these files run in parallel on two
          // cores (and beside other work on a shared machine), where a Git fetch or a
          // spawned server can take ten times its idle time.
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "e2e",
          // Last and alone: failover timings must not compete with unit tests for the 2 cores.
          sequence: { groupOrder: 2 },
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 240_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
