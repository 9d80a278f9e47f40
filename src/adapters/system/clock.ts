// The real clock behind the Clock port; pure code gets time only through it.

import type { Clock } from "../../model/ports.js";

export const systemClock: Clock = {
  now: () => Date.now(),
};
