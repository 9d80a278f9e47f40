// "Did you mean" for misspelt keys and enum values: the closest candidate by
// edit distance, compared case-insensitively and with "-" and "_" treated
// alike, since those are the usual slips when copying from other tools.

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = fold(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(w, fold(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(w.length / 3));
  if (bestDistance <= limit) return best;
  // "restart" for "restart_policy", "update" for "update_config".
  const prefixed = candidates.find((c) => w.length >= 4 && fold(c).startsWith(w));
  return prefixed;
}

function fold(s: string): string {
  return s.toLowerCase().replaceAll("-", "_");
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return at(rows - 1, cols - 1);
}
