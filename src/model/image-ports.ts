// The ports an image EXPOSEs, as Docker's image inspect gives them (Config.ExposedPorts keys:
// "5432/tcp", "53/udp"; an EXPOSE range is already one key per port). A stack's service is
// found by name on the TCP ones as on a Compose network (see edge/image-ports.ts); creating a
// replica publishes the same ones, so the names edge on other hosts can reach it.

/** At most this many of an image's TCP ports are served by name (the lowest): one listener each. */
export const MAX_IMAGE_PORTS = 32;

/** An image's exposed TCP ports, ascending, each once, at most MAX_IMAGE_PORTS; UDP and junk left out. */
export function imageTcpPorts(exposed: readonly string[]): number[] {
  const out = new Set<number>();
  for (const key of exposed) {
    const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key.trim().toLowerCase());
    if (m === null || (m[2] !== undefined && m[2] !== "tcp")) continue;
    const port = Number(m[1]);
    if (port >= 1 && port <= 65535) out.add(port);
  }
  return [...out].sort((a, b) => a - b).slice(0, MAX_IMAGE_PORTS);
}
