// Placement that can never succeed, whatever state the hosts are in:
// constraints no declared host satisfies, and reservations larger than every
// eligible host's declared capacity. Capacity left undeclared is whatever the
// engine reports at run time, so it is never held against a service here.
// Drained hosts still count: draining is temporary.

import type { Constraint, HostSpec, Resources } from "../model/spec.js";
import { hostValue, satisfies, satisfiesAll } from "./constraints.js";
import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";

export function checkPlacement(
  services: readonly LoadedService[],
  hosts: readonly HostSpec[],
  problems: Problems,
): void {
  for (const s of services) {
    const constraints = s.spec.deploy.placement.constraints;
    const eligible = hosts.filter((h) => satisfiesAll(h, constraints));
    if (eligible.length === 0) {
      reportUnsatisfiable(s, constraints, hosts, problems);
      continue;
    }
    checkReservations(s, eligible, problems);
  }
}

function reportUnsatisfiable(
  s: LoadedService,
  constraints: readonly Constraint[],
  hosts: readonly HostSpec[],
  problems: Problems,
): void {
  let alone = 0;
  constraints.forEach((c, i) => {
    if (hosts.some((h) => satisfies(h, c))) return;
    alone++;
    problems.add(
      s.deployAt(["placement", "constraints", i]),
      "unsatisfiable-constraint",
      `placement constraint "${c.raw}" matches no host in cluster.yaml (${describe(c.key, hosts)})`,
    );
  });
  if (alone === 0 && constraints.length > 0) {
    problems.add(
      s.deployAt(["placement", "constraints", 0]),
      "unsatisfiable-constraint",
      `placement constraints ${constraints.map((c) => `"${c.raw}"`).join(", ")} together match no host in cluster.yaml`,
    );
  }
}

function describe(key: string, hosts: readonly HostSpec[]): string {
  if (key === "node.hostname" || key === "node.id") return `hosts: ${hosts.map((h) => h.name).join(", ")}`;
  const label = key.slice("node.labels.".length);
  const values = hosts
    .map((h) => ({ host: h.name, value: hostValue(h, key) }))
    .filter((v) => v.value !== undefined);
  if (values.length === 0) return `no host has the label "${label}"`;
  return `${label}: ${values.map((v) => `${String(v.value)} on ${v.host}`).join(", ")}`;
}

function checkReservations(s: LoadedService, eligible: readonly HostSpec[], problems: Problems): void {
  const want = s.spec.deploy.reservations;
  if (want.nanoCpus === 0 && want.memoryBytes === 0) return;
  if (eligible.some((h) => fits(want, h))) return;
  const cpuShort =
    want.nanoCpus > 0 && eligible.every((h) => (h.capacity.nanoCpus ?? Infinity) < want.nanoCpus);
  const memShort =
    want.memoryBytes > 0 && eligible.every((h) => (h.capacity.memoryBytes ?? Infinity) < want.memoryBytes);
  const path = ["resources", "reservations"];
  if (cpuShort) {
    const most = Math.max(...eligible.map((h) => h.capacity.nanoCpus ?? 0));
    problems.add(
      s.deployAt([...path, "cpus"]),
      "reservation-too-large",
      `service "${s.spec.name}" reserves ${cpus(want.nanoCpus)} CPUs, more than any host it may run on has (at most ${cpus(most)})`,
    );
  }
  if (memShort) {
    const most = Math.max(...eligible.map((h) => h.capacity.memoryBytes ?? 0));
    problems.add(
      s.deployAt([...path, "memory"]),
      "reservation-too-large",
      `service "${s.spec.name}" reserves ${bytes(want.memoryBytes)} of memory, more than any host it may run on has (at most ${bytes(most)})`,
    );
  }
  if (!cpuShort && !memShort) {
    problems.add(
      s.deployAt(path),
      "reservation-too-large",
      `service "${s.spec.name}" reserves ${cpus(want.nanoCpus)} CPUs and ${bytes(want.memoryBytes)}: no host it may run on has both`,
    );
  }
}

function fits(want: Resources, h: HostSpec): boolean {
  const cpuOk =
    want.nanoCpus === 0 || h.capacity.nanoCpus === undefined || want.nanoCpus <= h.capacity.nanoCpus;
  const memOk =
    want.memoryBytes === 0 ||
    h.capacity.memoryBytes === undefined ||
    want.memoryBytes <= h.capacity.memoryBytes;
  return cpuOk && memOk;
}

function cpus(nano: number): string {
  return String(nano / 1e9);
}

function bytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1 && Number.isInteger(v / 1024)) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u] ?? "bytes"}`;
}
