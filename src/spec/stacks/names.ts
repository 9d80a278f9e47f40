// How a stack and its services are named in the cluster. As `docker stack
// deploy` does, a service `web` of the stack `shop` is the service `shop_web`:
// the stack's folder name is the prefix, so two stacks never collide, and the
// name is still what Swarm users expect to read in status and `docker ps`.
// Stack names may not hold "_" (Compose's project names may), so the first
// "_" always splits a full name back into stack and service. Every full name
// must also be usable as a DNS name, a container name and a label value.

/** A stack's folder name: lowercase letters, digits and "-", starting with a letter or digit. */
export const STACK_NAME = /^[a-z0-9][a-z0-9-]*$/;
/**
 * A Compose service name gitfleet can deploy: Compose's own rule (letters of either case, digits,
 * "_", "." and "-"), starting with a letter or digit. Its name in the cluster is lowercase: DNS
 * names are not case-sensitive (nor is Docker's DNS), so "Web" is found as "web" too.
 */
export const COMPOSE_SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A DNS label is at most 63 bytes, and the full name is a DNS name on the stack's networks. */
export const MAX_FULL_NAME = 63;

/** `shop` + `Web` → `shop_web`: Swarm's naming, in lowercase (a DNS name). */
export function fullServiceName(stack: string, service: string): string {
  return `${stack}_${service.toLowerCase()}`;
}

/** A network, volume, secret or config of a stack, named as Compose names a project's resources. */
export function stackResourceName(stack: string, key: string): string {
  return `${stack}_${key}`;
}

/** The name of every stack's own network, which its services join when they name none. */
export const DEFAULT_NETWORK = "default";

export function stackNameProblem(stack: string): string | undefined {
  if (STACK_NAME.test(stack)) return undefined;
  const fixed = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "");
  return (
    `stack folder "${stack}" is not a usable stack name: lowercase letters, digits and "-", ` +
    `starting with a letter or digit ("_" separates a stack from its services)` +
    (fixed !== "" ? `; rename the folder to "${fixed}"` : "")
  );
}

export function serviceNameProblem(stack: string, service: string): string | undefined {
  if (!COMPOSE_SERVICE_NAME.test(service)) {
    return `service name "${service}" is not usable: letters, digits, "_", "." and "-", starting with a letter or digit`;
  }
  const full = fullServiceName(stack, service);
  if (full.length > MAX_FULL_NAME) {
    return `service "${service}" of stack "${stack}" is named "${full}" in the cluster, ${full.length} characters; DNS names allow ${MAX_FULL_NAME}: shorten the service or the stack folder name`;
  }
  return undefined;
}
