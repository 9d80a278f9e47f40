// A minimal client for etcd's v3 JSON gateway (/v3/..., etcd 3.4 and later):
// the calls leader election and the fleet's suspend switch need, over plain
// HTTP(S) with a deadline on every request and failover across the configured
// endpoints. No gRPC stack and no new dependency: the gateway is part of every
// etcd server.

import { EtcdError } from "./errors.js";

export interface EtcdHttpOptions {
  /** Client URLs, e.g. http://10.0.0.1:2379; tried in order, the last that answered first. */
  readonly endpoints: readonly string[];
  /** Deadline for one request. */
  readonly timeoutMs: number;
}

export interface CallOptions {
  /** Deadline for the whole call, all endpoints together (each attempt still has timeoutMs at most). */
  readonly deadlineMs?: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  /** The revision of the key's last change. */
  readonly modRevision: number;
  readonly lease: string;
}

export interface EtcdHttp {
  grant(ttlSeconds: number): Promise<string>;
  /** Renews a lease once; resolves its remaining TTL in seconds (0 or less: the lease is gone). */
  keepAlive(leaseId: string): Promise<number>;
  revoke(leaseId: string): Promise<void>;
  /** Puts key=value bound to the lease if the key does not exist; resolves the key as it stands after the call. */
  putIfAbsent(
    key: string,
    value: string,
    leaseId: string,
  ): Promise<{ readonly created: boolean; readonly kv: KeyValue | undefined }>;
  /**
   * The key's value, undefined when absent. With `deadlineMs`, that is the whole read's
   * deadline, across every endpoint tried (not one per endpoint): a caller on a schedule
   * waits that long at most.
   */
  get(key: string, options?: CallOptions): Promise<KeyValue | undefined>;
  /** Several keys read in one request (one transaction: one revision, one deadline). */
  getAll(keys: readonly string[], options?: CallOptions): Promise<(KeyValue | undefined)[]>;
  /** Puts key=value with no lease: it stays until deleted. Resolves the revision it made. */
  put(key: string, value: string): Promise<number>;
  /** Deletes `remove` and puts `put`=value (no lease) in one transaction: whether `remove` existed, and the revision. */
  removeAndPut(
    remove: string,
    put: string,
    value: string,
  ): Promise<{ readonly removed: boolean; readonly revision: number }>;
  /** Deletes key; resolves whether it existed. */
  remove(key: string): Promise<boolean>;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: unknown): string =>
  typeof s === "string" ? Buffer.from(s, "base64").toString("utf8") : "";

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  lease?: string;
}

function toKv(raw: RawKv | undefined): KeyValue | undefined {
  if (raw?.key === undefined) return undefined;
  return {
    key: unb64(raw.key),
    value: unb64(raw.value),
    createRevision: Number(raw.create_revision ?? 0),
    modRevision: Number(raw.mod_revision ?? 0),
    lease: raw.lease ?? "0",
  };
}

/** The store's revision an answer was made at (every answer has a header). */
function revisionOf(res: Record<string, unknown>): number {
  return Number((res["header"] as { revision?: string } | undefined)?.revision ?? 0);
}

/**
 * Text as errors may show it: a URL's user:password@ (should an endpoint carry one; fetch
 * refuses it and repeats the URL in its error) never reaches a log or status.
 */
export function redactUserinfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, "$1***@");
}

// eslint-disable-next-line max-lines-per-function -- the client's methods as one object literal around a shared call(); each is a few lines
export function createEtcdHttp(options: EtcdHttpOptions): EtcdHttp {
  if (options.endpoints.length === 0) throw new EtcdError("etcd-unreachable", "no etcd endpoint configured");
  let preferred = 0;

  async function call(path: string, body: unknown, o: CallOptions = {}): Promise<Record<string, unknown>> {
    let lastError = "";
    const end = o.deadlineMs === undefined ? Infinity : Date.now() + o.deadlineMs;
    for (let i = 0; i < options.endpoints.length; i++) {
      const left = Math.min(options.timeoutMs, end - Date.now());
      if (left <= 0) {
        lastError = `${lastError}${lastError === "" ? "" : "; "}deadline of ${o.deadlineMs} ms passed`;
        break;
      }
      const index = (preferred + i) % options.endpoints.length;
      const endpoint = (options.endpoints[index] ?? "").replace(/\/+$/, "");
      const shown = redactUserinfo(endpoint);
      let res: Response;
      try {
        res = await fetch(`${endpoint}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(left),
        });
      } catch (err) {
        lastError = `${shown}: ${redactUserinfo(err instanceof Error ? err.message : String(err))}`;
        continue;
      }
      const text = await res.text().catch(() => "");
      if (!res.ok) {
        // 503 from a member that lost its quorum: another member may still have it.
        lastError = `${shown}: HTTP ${res.status} ${text.slice(0, 200)}`;
        if (res.status >= 500) continue;
        throw new EtcdError("etcd-bad-response", lastError);
      }
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
        preferred = index;
        return parsed as Record<string, unknown>;
      } catch {
        throw new EtcdError("etcd-bad-response", `${shown}${path}: not a JSON answer`);
      }
    }
    throw new EtcdError("etcd-unreachable", `no etcd endpoint answered (${lastError})`);
  }

  return {
    async grant(ttlSeconds) {
      const res = await call("/v3/lease/grant", { TTL: ttlSeconds });
      if (typeof res["ID"] !== "string")
        throw new EtcdError("etcd-bad-response", "lease grant without an ID");
      return res["ID"];
    },
    async keepAlive(leaseId) {
      const res = await call("/v3/lease/keepalive", { ID: leaseId });
      const result = res["result"] as { TTL?: string } | undefined;
      return Number(result?.TTL ?? 0);
    },
    async revoke(leaseId) {
      await call("/v3/lease/revoke", { ID: leaseId });
    },
    async putIfAbsent(key, value, leaseId) {
      const k = b64(key);
      const res = await call("/v3/kv/txn", {
        compare: [{ key: k, target: "CREATE", create_revision: "0" }],
        success: [
          { request_put: { key: k, value: b64(value), lease: leaseId } },
          { request_range: { key: k } },
        ],
        failure: [{ request_range: { key: k } }],
      });
      const responses = (res["responses"] ?? []) as { response_range?: { kvs?: RawKv[] } }[];
      const range = responses.find((r) => r.response_range !== undefined)?.response_range;
      return { created: res["succeeded"] === true, kv: toKv(range?.kvs?.[0]) };
    },
    async get(key, o) {
      const res = await call("/v3/kv/range", { key: b64(key) }, o);
      return toKv((res["kvs"] as RawKv[] | undefined)?.[0]);
    },
    async getAll(keys, o) {
      const res = await call(
        "/v3/kv/txn",
        { success: keys.map((k) => ({ request_range: { key: b64(k) } })) },
        o,
      );
      const responses = (res["responses"] ?? []) as { response_range?: { kvs?: RawKv[] } }[];
      return keys.map((_, i) => toKv(responses[i]?.response_range?.kvs?.[0]));
    },
    async put(key, value) {
      return revisionOf(await call("/v3/kv/put", { key: b64(key), value: b64(value) }));
    },
    async removeAndPut(remove, put, value) {
      const res = await call("/v3/kv/txn", {
        success: [
          { request_delete_range: { key: b64(remove) } },
          { request_put: { key: b64(put), value: b64(value) } },
        ],
      });
      const responses = (res["responses"] ?? []) as { response_delete_range?: { deleted?: string } }[];
      const deleted = Number(responses[0]?.response_delete_range?.deleted ?? 0);
      return { removed: deleted > 0, revision: revisionOf(res) };
    },
    async remove(key) {
      const res = await call("/v3/kv/deleterange", { key: b64(key) });
      return Number(res["deleted"] ?? 0) > 0;
    },
  };
}
