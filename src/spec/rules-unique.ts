// Names and published ports must be unique across the repository. The first
// definition (in path order) wins; each later one is reported, pointing back.

import type { SourceRef } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";
import type { YamlDoc } from "./parse.js";
import { EDGE_RESERVED_PORTS } from "../model/names.js";
import { locate } from "./positions.js";

/**
 * Works on the raw documents, valid or not, so a duplicate is reported even
 * next to schema errors. Returns the documents that keep their name.
 */
export function checkDuplicateServices(docs: readonly YamlDoc[], problems: Problems): Set<YamlDoc> {
  const first = new Map<string, YamlDoc>();
  for (const d of docs) {
    const name = stringField(d.value, "name");
    if (name === undefined) continue;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, d);
      continue;
    }
    problems.add(
      locate(d, ["name"]),
      "duplicate-service",
      `service "${name}" is already defined at ${where(locate(earlier, ["name"]))}; service names must be unique`,
    );
  }
  return new Set(first.values());
}

/** Also on the raw document, so it runs when other parts of cluster.yaml are wrong. */
export function checkDuplicateHosts(doc: YamlDoc, problems: Problems): void {
  const hosts =
    typeof doc.value === "object" && doc.value !== null ? (doc.value as { hosts?: unknown }).hosts : [];
  if (!Array.isArray(hosts)) return;
  const first = new Map<string, number>();
  hosts.forEach((h: unknown, i) => {
    const name = stringField(h, "name");
    if (name === undefined) return;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, i);
      return;
    }
    const earlierAt = locate(doc, ["hosts", earlier, "name"]);
    problems.add(
      locate(doc, ["hosts", i, "name"]),
      "duplicate-host",
      `host "${name}" is already defined at line ${earlierAt.line}; host names must be unique`,
    );
  });
}

export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

export function checkPortConflicts(services: readonly LoadedService[], problems: Problems): void {
  const owners = new Map<string, { service: string; at: SourceRef }>();
  for (const s of services) {
    s.spec.ports.forEach((p, i) => {
      if (p.published === undefined) return;
      const key = `${p.published}/${p.protocol}`;
      const at = s.at(["ports", s.portIndexes[i] ?? i, "published"]);
      if (p.mode === "ingress" && p.protocol === "tcp" && EDGE_RESERVED_PORTS.includes(p.published)) {
        problems.add(
          at,
          "port-reserved",
          `port ${p.published} is used by the edge itself (HAProxy's master socket); publish another port, or use mode: host`,
        );
        return;
      }
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, { service: s.spec.name, at });
        return;
      }
      const by = owner.service === s.spec.name ? "this service" : `service "${owner.service}"`;
      problems.add(
        at,
        "port-conflict",
        `port ${key} is already published by ${by} (${where(owner.at)}); each published port and protocol may be used once`,
      );
    });
  }
}

function where(at: SourceRef): string {
  return `${at.path}:${at.line}:${at.col}`;
}
