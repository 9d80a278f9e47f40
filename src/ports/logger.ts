// The logger port: what the controller needs of a logger, and nothing more.
// The process makes one (adapters/system/log.ts, pino) and passes it in; tests
// pass a silent one. Nothing outside the adapters and the process wiring
// imports pino itself.

export interface LogFn {
  (message: string): void;
  // Last: Function.prototype.call sees the last overload.
  (fields: object, message?: string): void;
}

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

const quiet: LogFn = () => undefined;

/** A logger that drops everything: the default of adapters built without one (tests). */
export const silentLogger: Logger = { error: quiet, warn: quiet, info: quiet, debug: quiet };
