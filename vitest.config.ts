import { defineConfig } from "vitest/config";

// Three projects: pure units; integration tests against real local servers
// (git http-backend, HAProxy, the local default dockerd, a registry); end-to-end
// tests on the test bed (three dockerd hosts in network namespaces plus a local
// registry), which its global setup brings up.
//
// vitest runs one test file per core but one (no pool or maxWorkers set here): on the 2-core
// CI machine one file at a time, beside the test bed's Docker daemons (load 20 to 40 there).
// The timeouts below are deadlines against hangs, not speed checks: a test that claims a
// time bound measures it itself, and performance is shown in bench/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["test/unit/**/*.test.ts"],
          // Not vitest's 5 s: at load 40 a test that takes 300 ms alone takes six seconds.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["test/integration/**/*.test.ts"],
          // On a loaded machine a Git fetch or a spawned server can take ten times its idle time.
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
