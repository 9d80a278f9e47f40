// Where a command writes. Commands take this instead of touching
// process.stdout/stderr, so tests can run them in-process.

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Directory that relative paths in messages are relative to. */
  readonly cwd: string;
}

export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
};
