// Read a rendered haproxy.cfg back as sections, so tests assert on the lines
// of one frontend or backend instead of on substrings of the whole text.

export function sections(config: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of config.split("\n")) {
    if (line === "" || line.startsWith("#")) {
      if (line === "") current = undefined;
      continue;
    }
    if (!line.startsWith(" ")) {
      current = [];
      out.set(line, current);
    } else if (current !== undefined && !line.trim().startsWith("#")) {
      current.push(line.trim());
    }
  }
  return out;
}

export function section(config: string, name: string): string[] {
  const lines = sections(config).get(name);
  if (lines === undefined) throw new Error(`no section "${name}" in:\n${config}`);
  return lines;
}

export function servers(config: string, backend: string): string[] {
  return section(config, `backend ${backend}`)
    .filter((l) => l.startsWith("server "))
    .map((l) => l.split(" ")[1] ?? "");
}
