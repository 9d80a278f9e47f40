// The one logger of the daemon and adapters: JSON lines on stderr, so stdout
// stays free for command output. Level from GITFLEET_LOG_LEVEL (default info).
// Every argument passes through redactDeep first: a URL with credentials in it
// never reaches a log line, whoever formatted it.

import { pino, type DestinationStream, type Logger } from "pino";
import { redactDeep } from "./redact.js";

export function createLogger(destination: DestinationStream, level = "info"): Logger {
  return pino(
    {
      name: "gitfleet",
      level,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export const log = createLogger(pino.destination(2), process.env.GITFLEET_LOG_LEVEL ?? "info");
