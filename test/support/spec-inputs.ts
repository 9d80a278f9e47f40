// Bad spec inputs shared by unit, integration and e2e tests of issue 12.

/** A service with `count` environment keys, the last one a repeat of the first: the quadratic case. */
export function manyKeys(count: number, name = "big"): { text: string; duplicateLine: number } {
  const out = ["kind: Service", `name: ${name}`, "image: busybox", "environment:"];
  for (let i = 0; i < count - 1; i++) out.push(`  K${i}: v`);
  out.push("  K0: again");
  return { text: `${out.join("\n")}\n`, duplicateLine: out.length };
}
