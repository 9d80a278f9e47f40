// A stack's top-level `volumes:`. A named volume is host-local, as Docker
// makes it: the replica that first mounts it binds to the host that holds
// it (the volume affinity of cluster.yaml's volumes applies unchanged), and
// it is named `<stack>_<key>` so stacks never share data by accident; two
// stacks share a volume only by naming it (`external: true` or `name:`).
// driver and driver_opts mean what they mean in Compose (a shared driver
// does not bind); labels are gitfleet's own and not settable here.

import type { VolumeDecl } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import type { YamlDoc } from "../parse.js";
import { locate } from "../positions.js";
import { didYouMean } from "../suggest.js";
import { stackResourceName } from "./names.js";

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const KEYS = ["driver", "driver_opts", "external", "name", "labels", "x-gitfleet-recreatable"];

export interface StackVolumes {
  /** Key in the Compose file → the volume's name in the cluster. */
  readonly names: ReadonlyMap<string, string>;
  /** Declarations by cluster name, to merge with cluster.yaml's `volumes:` (relative binds add theirs). */
  readonly decls: Record<string, VolumeDecl>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// eslint-disable-next-line max-lines-per-function -- one entry per Compose volume setting, each accepted or refused with its reason
export function stackVolumes(doc: YamlDoc, stack: string, problems: Problems): StackVolumes {
  const names = new Map<string, string>();
  const decls: Record<string, VolumeDecl> = {};
  const raw = isRecord(doc.value) ? doc.value["volumes"] : undefined;
  if (raw === undefined || raw === null) return { names, decls };
  if (!isRecord(raw)) {
    problems.add(locate(doc, ["volumes"]), "schema", "volumes must be a mapping of volume names");
    return { names, decls };
  }
  for (const [key, value] of Object.entries(raw)) {
    const at = (...path: string[]) => locate(doc, ["volumes", key, ...path], { key: path.length > 0 });
    if (value !== null && !isRecord(value)) {
      problems.add(at(), "schema", `volumes.${key} must be a mapping (or empty)`);
      continue;
    }
    const d = value ?? {};
    let ok = true;
    for (const k of Object.keys(d)) {
      if (k.startsWith("x-") && k !== "x-gitfleet-recreatable") continue;
      if (!KEYS.includes(k)) {
        const close = didYouMean(k, KEYS);
        problems.add(
          at(k),
          "unknown-key",
          `volumes.${key}: unknown key "${k}"` +
            (close ? `: did you mean "${close}"?` : `; allowed: ${KEYS.join(", ")}`),
        );
        ok = false;
      } else if (k === "labels") {
        problems.warn(
          at(k),
          "no-effect",
          `volumes.${key}.labels has no effect: gitfleet labels its volumes itself (cluster, owner slot)`,
        );
      }
    }
    const external = d["external"] === true || isRecord(d["external"]);
    const named = d["name"];
    const strings = [d["driver"], named].every((v) => v === undefined || typeof v === "string");
    const opts = d["driver_opts"];
    if (!ok || !strings || (opts !== undefined && !isRecord(opts))) {
      if (ok)
        problems.add(at(), "schema", `volumes.${key}: driver and name are strings, driver_opts a mapping`);
      continue;
    }
    const name = (named as string | undefined) ?? (external ? key : stackResourceName(stack, key));
    if (!VOLUME_NAME.test(name)) {
      problems.add(
        at(),
        "invalid-name",
        `volume name "${name}" is not usable: letters, digits, "_", "." and "-", starting with a letter or digit`,
      );
      continue;
    }
    names.set(key, name);
    const driverOpts: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts ?? {})) driverOpts[k] = String(v);
    decls[name] = {
      driver: (d["driver"] as string | undefined) ?? "local",
      driverOpts,
      recreatable: d["x-gitfleet-recreatable"] === true,
      source: at(),
    };
  }
  return { names, decls };
}

/** For a service of the stack: a named volume must be declared at the top level, as Compose requires. */
export function volumeNamer(doc: YamlDoc, volumes: StackVolumes) {
  return (source: string, index: number, problems: Problems): string | undefined => {
    const name = volumes.names.get(source);
    if (name !== undefined) return name;
    const close = didYouMean(source, [...volumes.names.keys()]);
    problems.add(
      locate(doc, ["volumes", index]),
      "unknown-volume",
      `volume "${source}" is not declared in this Compose file's top-level volumes` +
        (close !== undefined
          ? `: did you mean "${close}"?`
          : `; declare it there (external: true to use one shared with other stacks)`),
    );
    return undefined;
  };
}
