// Exit codes every gitfleet command uses, made for CI jobs.

export const EXIT_OK = 0;
/** The input was read and is wrong (an invalid spec, a plan that would fail). */
export const EXIT_INVALID = 1;
/** Bad usage, or the input could not be read at all. */
export const EXIT_USAGE = 2;
