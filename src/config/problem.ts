// How the parsers of the configuration's sections report: a problem at a JSON
// pointer, with its stable code and a message saying what to write instead.

import type { ConfigErrorCode } from "./errors.js";

export type Problem = (pointer: string, code: ConfigErrorCode, message: string) => void;
