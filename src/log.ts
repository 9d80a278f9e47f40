// The one logger of the daemon and adapters: JSON lines on stderr, so stdout
// stays free for command output. Level from GITFLEET_LOG_LEVEL (default info).

import { pino } from "pino";

export const log = pino(
  { name: "gitfleet", level: process.env.GITFLEET_LOG_LEVEL ?? "info" },
  pino.destination(2),
);
