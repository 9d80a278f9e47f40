// After each pass: the transitions worth telling (pure) go to the notifier's
// queues. Synchronous and cheap on the pass's listener; delivery happens
// beside the loop.

import type { Notifier } from "./notifier.js";
import type { PassReport } from "./pass-report.js";
import { EMPTY_NOTICE_MEMORY, transitions, type NoticeMemory } from "./transitions.js";

export class NotificationReporter {
  private memory: NoticeMemory = EMPTY_NOTICE_MEMORY;

  constructor(
    private readonly notifier: Pick<Notifier, "submit">,
    private readonly bounds: { readonly gitStaleAfterMs: number },
  ) {}

  passed(report: PassReport): void {
    const next = transitions(this.memory, report, this.bounds);
    this.memory = next.memory;
    if (next.notices.length > 0) this.notifier.submit(next.notices);
  }
}
