// The real clock behind the Clock port; pure code gets time only through it.

import type { Clock } from "../../ports/index.js";

export const systemClock: Clock = {
  now: () => Date.now(),
};
