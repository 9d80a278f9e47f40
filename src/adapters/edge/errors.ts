// Every failure of the edge adapter carries a stable code, so the controller
// decides by code (report and retry next pass) and never by message text.

export type EdgeErrorCode =
  | "edge-config-invalid" // `haproxy -c` refused the rendered text: nothing was written
  | "edge-not-running" // no master socket to talk to (the edge container is not up)
  | "edge-reload-failed" // the master reported a failed reload: the old workers keep serving
  | "edge-socket" // a runtime or master socket answered with an error
  | "edge-timeout" // no answer in time
  | "edge-runtime-command" // the runtime API refused a command
  | "edge-bind-failed"; // HAProxy could not bind some listeners: they are left out and the rest applied

export class EdgeError extends Error {
  readonly code: EdgeErrorCode;
  /** HAProxy's own words (check output, CLI answer), for status and logs. */
  readonly detail: string | undefined;

  constructor(code: EdgeErrorCode, message: string, opts: { detail?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "EdgeError";
    this.code = code;
    this.detail = opts.detail;
  }
}
