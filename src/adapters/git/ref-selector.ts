// Which ref of the repository is the desired state: a branch (default main),
// one tag, or the highest tag matching a semver range.

import { GitAdapterError } from "./errors.js";
import { highestMatching, parseRange } from "./semver.js";

export type RefSelector =
  { readonly branch: string } | { readonly tag: string } | { readonly semver: string };

export const DEFAULT_REF: RefSelector = { branch: "main" };

/** One ref as advertised by a server (or read from a local repository). */
export interface AdvertisedRef {
  readonly ref: string;
  /** What the ref points at: a commit, or an annotated tag object. */
  readonly oid: string;
  /** For annotated tags, the commit the tag points at. */
  readonly peeled?: string;
}

export interface SelectedRef {
  readonly ref: string;
  readonly oid: string;
  /** The commit (annotated tags peeled). */
  readonly commit: string;
}

/** The prefix to list on the server: as narrow as the selector allows. */
export function refPrefix(selector: RefSelector): string {
  if ("branch" in selector) return `refs/heads/${selector.branch}`;
  if ("tag" in selector) return `refs/tags/${selector.tag}`;
  return "refs/tags/";
}

export function describeSelector(selector: RefSelector): string {
  if ("branch" in selector) return `branch ${selector.branch}`;
  if ("tag" in selector) return `tag ${selector.tag}`;
  return `the highest tag matching ${selector.semver}`;
}

/** Check a selector up front, so a bad range is a configuration error, not an outage. */
export function validateSelector(selector: RefSelector): void {
  if ("semver" in selector) parseRange(selector.semver);
  const name = "branch" in selector ? selector.branch : "tag" in selector ? selector.tag : "x";
  if (!name || name.includes("..") || /[\s~^:?*[\\]/.test(name)) {
    throw new GitAdapterError("git-config-invalid", `not a valid ref name: "${name}"`);
  }
}

export function selectRef(refs: readonly AdvertisedRef[], selector: RefSelector): SelectedRef | undefined {
  let wanted: string | undefined;
  if ("semver" in selector) {
    const tags = refs
      .filter((r) => r.ref.startsWith("refs/tags/"))
      .map((r) => r.ref.slice("refs/tags/".length));
    const best = highestMatching(tags, parseRange(selector.semver));
    wanted = best === undefined ? undefined : `refs/tags/${best}`;
  } else {
    wanted = refPrefix(selector);
  }
  const found = refs.find((r) => r.ref === wanted);
  return found ? { ref: found.ref, oid: found.oid, commit: found.peeled ?? found.oid } : undefined;
}
