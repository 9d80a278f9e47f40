// Slot names: "1".."N" for replicated services, host names for global ones.

/** Slot order: numbers numerically, then anything else by name. */
export function compareSlots(a: string, b: string): number {
  const na = slotNumber(a);
  const nb = slotNumber(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The number of a canonical replicated slot ("1", "27"); undefined for "01", "h1", "0". */
export function slotNumber(slot: string): number | undefined {
  const n = Number(slot);
  return Number.isInteger(n) && n >= 1 && String(n) === slot ? n : undefined;
}

export function replicatedSlots(replicas: number): string[] {
  const out = new Array<string>(replicas);
  for (let i = 0; i < replicas; i++) out[i] = String(i + 1);
  return out;
}
