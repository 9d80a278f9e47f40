// Compose splits a string `command:` into words the way a shell would, but
// without running one: quotes group, backslashes escape, nothing expands.

export type Words =
  { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly reason: string };

export function splitShellWords(text: string): Words {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string))
        current += text[++i];
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= text.length) return { ok: false, reason: "it ends with a lone backslash" };
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== undefined)
    return { ok: false, reason: `a ${quote === "'" ? "single" : "double"} quote is not closed` };
  if (inWord) words.push(current);
  return { ok: true, words };
}
