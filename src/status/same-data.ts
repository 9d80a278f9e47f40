// Equality of the plain data a status is rendered from, cheap when little
// changed: a pass hands the renderer the same objects it had the pass before
// (a quiet host's replicas, the desired state's services, the event log) and
// fresh ones of the same content (a host read again, the host rows). Identity
// answers for the first at once; the second are compared field by field.

/**
 * Whether `a` and `b` hold the same data: primitives equal, arrays element by element, plain
 * objects key by key in the same order (the order keys are written in can reach the output).
 * Anything else (a Map, a Date, a class instance) is the same only when it is the same object:
 * when unsure, not the same, so the caller renders again.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) return sameArray(a, b);
  if (!isPlain(a) || !isPlain(b)) return false;
  return sameObject(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameArray(a: object, b: object): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
  return true;
}

function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    if (k !== kb[i] || !sameData(a[k], b[k])) return false;
  }
  return true;
}

function isPlain(x: object): boolean {
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
