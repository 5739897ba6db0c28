import type { Outcome, SimulatedTerminal } from "./heartbeat-load";

/**
 * Shows the notices heartbeat answers carry and acknowledges each (POST /notices/{id}/ack), as a
 * terminal does once its operator has seen it; the server then stops sending it.
 */
export class NoticeAcknowledger {
  private readonly handled = new Set<string>();
  private acknowledged = 0;

  constructor(private readonly options: { base: URL; log: (line: string) => void }) {}

  readonly onOutcome = (terminal: SimulatedTerminal, outcome: Outcome) => {
    for (const notice of outcome.notices ?? []) {
      const key = `${terminal.terminal.id}:${notice.id}`;
      if (this.handled.has(key)) continue;
      this.handled.add(key);
      if (this.handled.size === 1) this.options.log(`Terminals show the notice "${notice.title}" (${notice.severity}) and acknowledge it.`);
      void this.acknowledge(terminal, notice.id).then(
        (ok) => {
          if (ok) this.acknowledged++;
          // Not acknowledged: the next heartbeat brings it again and it is retried.
          else this.handled.delete(key);
        },
        () => this.handled.delete(key),
      );
    }
  };

  private async acknowledge(terminal: SimulatedTerminal, noticeId: string): Promise<boolean> {
    const response = await fetch(new URL(`/api/device/v1/notices/${noticeId}/ack`, this.options.base), {
      method: "POST",
      headers: { authorization: `Bearer ${terminal.token}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok;
  }

  summary(): string {
    return `${this.acknowledged} acknowledged`;
  }
}
