// Exit codes every gitfleet command uses, made for CI jobs.

export const EXIT_OK = 0;
/** The input was read and is wrong (an invalid spec, a commit the operator would reject, a warning under --strict). */
export const EXIT_INVALID = 1;
/** Bad usage, or the input could not be read at all. */
export const EXIT_USAGE = 2;
/** `plan --detailed-exitcode`: changes are pending (terraform says this with 2, taken here by usage errors). */
export const EXIT_CHANGES = 3;
/** `plan`: some hosts could not be observed, so the plan would be a guess (unless --allow-partial). */
export const EXIT_UNOBSERVED = 4;
/** `run`: another operator holds the cluster lock (it is named on stderr); nothing was changed. */
export const EXIT_LOCKED = 5;
/** `wait`: the commit was neither applied nor refused within --timeout (as GNU timeout(1) exits). */
export const EXIT_TIMEOUT = 124;
