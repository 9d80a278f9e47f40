// Sizes of the volumes status lists as unused. `docker system df` measures
// every volume on the host and can take long on big ones, so a host is
// measured in the background, at most once per interval, and only while it
// holds unused volumes whose size is not known yet; status shows the size
// from the pass after.

import type { Logger } from "../ports/logger.js";
import type { Fleet } from "../observe/fleet.js";
import { errorMessage } from "../ports/host.js";

export class VolumeSizes {
  private readonly sizes = new Map<string, number>();
  private readonly measuredAt = new Map<string, number>();
  private readonly running = new Set<string>();

  constructor(
    private readonly fleet: Pick<Fleet, "driver">,
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  /** By "host/volume". */
  get known(): ReadonlyMap<string, number> {
    return this.sizes;
  }

  /** Starts measuring the hosts of these (unused) volumes whose size is unknown; does not wait. */
  want(volumes: readonly { readonly host: string; readonly volume: string }[], now: number): void {
    const hosts = new Set(volumes.filter((v) => !this.sizes.has(`${v.host}/${v.volume}`)).map((v) => v.host));
    for (const host of hosts) {
      const last = this.measuredAt.get(host);
      if (this.running.has(host) || (last !== undefined && now - last < this.intervalMs)) continue;
      const port = this.fleet.driver(host)?.volumes;
      if (port === undefined) continue;
      this.running.add(host);
      this.measuredAt.set(host, now);
      port
        .sizes()
        .then((m) => {
          for (const [name, bytes] of m) this.sizes.set(`${host}/${name}`, bytes);
        })
        .catch((err: unknown) =>
          this.logger.debug({ host, err: errorMessage(err) }, "volume sizes not measured"),
        )
        .finally(() => this.running.delete(host));
    }
  }
}
