// What each kind of value in the schemas is and how to write it, so a failing
// value gets a sentence a person understands instead of a regular expression.
// Looked up by the schema node the error came from (ajv's verbose mode).

import type { SpecErrorCode } from "./errors.js";
import { clusterSchema, serviceSchema } from "./schemas.js";

export interface Hint {
  readonly code: SpecErrorCode;
  /** "a duration", used as "X is not a duration" and "X must be a duration". */
  readonly what: string;
  /** How to write it. */
  readonly rule: string;
}

const DEF_HINTS: Readonly<Record<string, Hint>> = {
  dnsLabel: {
    code: "invalid-name",
    what: "a valid DNS label",
    rule: 'use lowercase letters, digits and "-", starting with a letter, at most 63 characters',
  },
  serviceRef: {
    code: "invalid-name",
    what: "a service name",
    rule: 'use letters, digits, "_", "." and "-", starting with a letter or digit (a service of this file, or of services/)',
  },
  image: {
    code: "schema",
    what: "a valid image reference",
    rule: 'write [registry/]name[:tag][@sha256:digest] with the name in lowercase, e.g. "nginx:1.27"',
  },
  duration: {
    code: "bad-duration",
    what: "a duration",
    rule: 'write a number with a unit, e.g. "500ms", "10s", "1m30s" (units: ns, us, ms, s, m, h)',
  },
  size: {
    code: "bad-size",
    what: "a size",
    rule: 'write bytes or a number with a unit, e.g. "512k", "256M", "1g"',
  },
  cpus: { code: "bad-cpus", what: "a CPU count", rule: 'write a number of CPUs such as 0.5 or "2"' },
  portNumber: { code: "bad-port", what: "a port number", rule: "use a whole number from 1 to 65535" },
  port: {
    code: "bad-port",
    what: "a port",
    rule: 'use the long form {target: 80, published: 8080} or "PUBLISHED:TARGET[/PROTOCOL]" such as "8080:80/tcp"',
  },
  volume: {
    code: "bad-volume",
    what: "a volume",
    rule: 'use "name:/path[:ro]", "/host/path:/path[:ro]" or the long form {type, source, target}',
  },
  absolutePath: { code: "schema", what: "an absolute path", rule: 'start it with "/"' },
  constraint: {
    code: "bad-constraint",
    what: "a placement constraint",
    rule: 'write "node.hostname == h1", "node.id != h1" or "node.labels.KEY == value" (operators == and !=)',
  },
  keyValueItem: {
    code: "schema",
    what: 'a "KEY=value" entry',
    rule: 'write KEY=value, e.g. "LOG_LEVEL=info"',
  },
  labelItem: {
    code: "schema",
    what: 'a "key=value" entry',
    rule: "write key=value, or a bare key for an empty value",
  },
  environment: { code: "schema", what: 'a mapping or a list of "KEY=value"', rule: "as in Compose" },
  labels: { code: "schema", what: 'a mapping or a list of "key=value"', rule: "as in Compose" },
  commandLine: { code: "schema", what: "a string or a list of strings", rule: "as in Compose" },
  envName: { code: "schema", what: "an environment variable name", rule: 'no spaces and no "="' },
  secretName: {
    code: "schema",
    what: "a secret name",
    rule: 'use letters, digits, ".", "_" and "-", starting with a letter or digit; "/" separates folders',
  },
  capability: {
    code: "schema",
    what: "a capability name",
    rule: 'write it in capitals, e.g. "NET_ADMIN" or "ALL"',
  },
  hostAddress: {
    code: "schema",
    what: "an IP address or host name",
    rule: "e.g. 10.0.0.11 or h1.example.com",
  },
};

const hintsBySchemaNode = new Map<object, Hint>();

function register(defs: Readonly<Record<string, object>>): void {
  for (const [name, node] of Object.entries(defs)) {
    const hint = DEF_HINTS[name];
    if (hint) hintsBySchemaNode.set(node, hint);
  }
}

register(serviceSchema.definitions);
register(clusterSchema.definitions);
hintsBySchemaNode.set(clusterSchema.definitions.host.properties.docker, {
  code: "schema",
  what: "a Docker endpoint",
  rule: "write unix:///path, tcp://host:port or ssh://user@host",
});
hintsBySchemaNode.set(clusterSchema.definitions.host.properties.tls, DEF_HINTS.secretName as Hint);
hintsBySchemaNode.set(
  serviceSchema.definitions.deploy.properties.placement.properties.preferences.items.properties.spread,
  {
    code: "schema",
    what: "a spread preference",
    rule: 'write "node.labels.KEY", e.g. "node.labels.zone"',
  },
);

export function hintFor(schemaNode: unknown): Hint | undefined {
  return typeof schemaNode === "object" && schemaNode !== null
    ? hintsBySchemaNode.get(schemaNode)
    : undefined;
}
