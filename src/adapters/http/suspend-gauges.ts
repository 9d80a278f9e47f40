// The suspend switch (`gitfleet suspend`) as Prometheus sees it: two gauges,
// shown only while this instance acts on the fleet.
//
// - gitfleet_suspended: 1 while the switch holds new commits back, 0 while it
//   was read and does not. Flux's gotk_suspend_status reads the same way (1/0,
//   no state label), so `gitfleet_suspended == 1` alerts as Flux users write.
// - gitfleet_suspend_switch_up: 1 when the last poll read the switch, 0 when
//   it could not (etcd not answering in a standby group): new commits wait
//   and suspended or not is unknown.
//
// Unknown is the `up` convention (Prometheus' own `up`, gitfleet_git_up,
// gitfleet_host_up): the reading that could not be taken is absent and its
// `_up` gauge is 0. A 0 in gitfleet_suspended while unknown would read as
// "not suspended", which status never says of a switch it cannot read; a
// `state` label (a state set) would make `gitfleet_suspended == 0` and sum()
// count the unknown and stale series as well. So gitfleet_suspended has no
// sample while the switch is unknown, before the first poll, and on an
// instance that does not act on the fleet (a standby, or a leader that lost
// its term: it no longer polls, and its last reading would go stale).

import { Gauge, type Registry } from "prom-client";
import type { SuspendState } from "../../model/suspend.js";

export class SuspendGauges {
  private readonly suspended: Gauge;
  private readonly up: Gauge;
  private read: SuspendState["state"] | undefined;

  constructor(
    registry: Registry,
    private readonly acting: () => boolean,
  ) {
    const registers = [registry];
    this.suspended = new Gauge({
      name: "gitfleet_suspended",
      help: "1 while the suspend switch holds new commits back (gitfleet suspend), 0 while it was read and does not; no sample while it cannot be read (gitfleet_suspend_switch_up 0) or on a standby",
      registers,
      collect: () => this.show(),
    });
    this.up = new Gauge({
      name: "gitfleet_suspend_switch_up",
      help: "1 when the last poll read the suspend switch (work_dir file, and in a standby group the fleet's etcd key), 0 when it could not (new commits wait); no sample on a standby",
      registers,
      collect: () => this.show(),
    });
    this.show();
  }

  /** What the last poll read. */
  set(state: SuspendState["state"]): void {
    this.read = state;
  }

  /** At each scrape: the series as the last reading says, none while this instance does not act. */
  private show(): void {
    const read = this.acting() ? this.read : undefined;
    if (read === undefined) this.up.remove();
    else this.up.set(read === "unknown" ? 0 : 1);
    if (read === undefined || read === "unknown") this.suspended.remove();
    else this.suspended.set(read === "suspended" ? 1 : 0);
  }
}
