// Credentials embedded in URLs ("https://user:token@host/...", or a token as
// the user name) must never reach a log or status line. Every message and
// every string field the logger writes passes through here, as does every
// line of text the operator writes about Git into status: one net under all
// the places that format a URL, including error texts from libraries.

/** userinfo of an http(s) URL (a token alone is a credential), or user:password of any scheme. */
const HTTP_USERINFO = /\b(https?:\/\/)[^\s/?#@]+@/gi;
const PASSWORD_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]*:[^\s/?#@]+@/gi;

export const REDACTED = "***";

/** The text with the credentials of every URL in it replaced by "***". */
export function redactCredentials(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(HTTP_USERINFO, `$1${REDACTED}@`).replace(PASSWORD_USERINFO, `$1${REDACTED}@`);
}

/** Every string inside `value` (objects and arrays, to a bounded depth) redacted; other values as they are. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactCredentials(value);
  if (depth > 8 || typeof value !== "object" || value === null) return value;
  if (value instanceof Error) {
    const copy = new Error(redactCredentials(value.message));
    copy.name = value.name;
    if (value.stack !== undefined) copy.stack = redactCredentials(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out;
}
