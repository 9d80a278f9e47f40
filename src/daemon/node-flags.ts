// The Node flags the operator's process is started with. They size V8's heap
// when the process starts, which nothing inside it can change later
// (v8.setFlagsFromString after start-up leaves the young generation as it
// is), so they are given wherever `gitfleet run` is started: the image's
// ENTRYPOINT (Dockerfile), the systemd unit's NODE_OPTIONS
// (deploy/systemd/gitfleet.service), the fleet-scale bench's operator
// process, and the operator the other benches and the e2e tests start
// (test/support/operator-process.ts). test/unit/misc/deploy-files.test.ts holds
// the first two to this list, test/unit/misc/operator-process.test.ts the benches.

/**
 * The young generation's semi-spaces at most 4 MiB each (V8's default on 64-bit: 16 MiB). A deploy
 * allocates 100–150 MiB a second at 1,000 hosts, so V8 grows both semi-spaces to their maximum and
 * keeps 32 MiB committed for them. Measured by the fleet-scale bench at 1,000 hosts (deploy-only
 * runs; README, Issue 18 "Memory"): the deploy's peak RSS 283–290 → 243–262 MiB, for about four
 * times as many scavenges, each shorter: 2–3.5 s more of a 32–36 s deploy at a like load. 2 MiB
 * measured no lower; 8 MiB 255–256.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
