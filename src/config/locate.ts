// From a JSON pointer into the config document back to line:col in the file,
// falling back to the nearest ancestor that exists (a missing key is reported
// at its parent mapping).

import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter } from "yaml";

export interface Position {
  readonly line: number;
  readonly col: number;
}

export function locate(doc: Document, lines: LineCounter, pointer: string, atKey = false): Position {
  const path =
    pointer === ""
      ? []
      : pointer
          .slice(1)
          .split("/")
          .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      if (pair === undefined) break;
      if (i === path.length - 1 && atKey) {
        offset = start(pair.key) ?? offset;
        break;
      }
      next = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      next = node.items[Number(segment)];
    }
    const s = start(next);
    if (s === undefined) break;
    node = next;
    offset = s;
  }
  return lines.linePos(offset);
}

function start(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? range[0] : undefined;
}
