// What `gitfleet rollback` changes, decided from blob ids alone (pure): the
// files a commit changed go back to their version before it, as `git revert`
// does, provided nobody changed them since (otherwise a conflict: revert by
// hand). And a small unified diff for --dry-run.

export interface RevertChanges {
  /** path → blob id to write, or null to remove the file. */
  readonly changes: ReadonlyMap<string, string | null>;
  /** Paths changed again after the commit: reverting them would drop later work. */
  readonly conflicts: readonly string[];
}

export function changedPaths(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

/** The revert of the change `parent` → `target`, applied on `tip`, limited to `only` when given. */
export function revertChanges(
  parent: ReadonlyMap<string, string>,
  target: ReadonlyMap<string, string>,
  tip: ReadonlyMap<string, string>,
  only?: ReadonlySet<string>,
): RevertChanges {
  const changes = new Map<string, string | null>();
  const conflicts: string[] = [];
  for (const p of changedPaths(parent, target)) {
    if (only !== undefined && !only.has(p)) continue;
    if (tip.get(p) !== target.get(p)) conflicts.push(p);
    else changes.set(p, parent.get(p) ?? null);
  }
  return { changes, conflicts };
}

const MAX_DIFF_LINES = 5_000;

/** A unified diff of one file (3 lines of context), as `git diff` prints it. */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined): string {
  const a = before === undefined ? [] : splitLines(before);
  const b = after === undefined ? [] : splitLines(after);
  const head = `--- ${before === undefined ? "/dev/null" : `a/${path}`}\n+++ ${after === undefined ? "/dev/null" : `b/${path}`}\n`;
  if (a.length * b.length > (MAX_DIFF_LINES * MAX_DIFF_LINES) / 25)
    return `${head}@@ (${a.length} → ${b.length} lines: too large to show) @@\n`;
  const ops = lcsOps(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === " ") {
      i++;
      continue;
    }
    const start = Math.max(0, i - 3);
    let end = i;
    // Extend over changes separated by at most 6 unchanged lines.
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== " ") end = j;
      else if (j - end > 6) break;
    }
    end = Math.min(ops.length - 1, end + 3);
    const slice = ops.slice(start, end + 1);
    const aStart = ops[start]!.a;
    const bStart = ops[start]!.b;
    const aLen = slice.filter((o) => o.kind !== "+").length;
    const bLen = slice.filter((o) => o.kind !== "-").length;
    hunks.push(
      `@@ -${aLen === 0 ? aStart : aStart + 1},${aLen} +${bLen === 0 ? bStart : bStart + 1},${bLen} @@\n` +
        slice.map((o) => `${o.kind}${o.text}\n`).join(""),
    );
    i = end + 1;
  }
  return head + hunks.join("");
}

interface Op {
  readonly kind: " " | "-" | "+";
  readonly text: string;
  /** Lines of a and b before this one. */
  readonly a: number;
  readonly b: number;
}

function lcsOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: " ", text: a[i]!, a: i++, b: j++ });
    else if (j < m && (i >= n || table[i]![j + 1]! > table[i + 1]![j]!))
      ops.push({ kind: "+", text: b[j]!, a: i, b: j++ });
    else ops.push({ kind: "-", text: a[i]!, a: i++, b: j });
  }
  return ops;
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
