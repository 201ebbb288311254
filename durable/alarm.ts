/**
 * A Durable Object's one alarm, moved only ever sooner: each job asks for
 * the time it needs, and the earliest wins. It remembers the time it set, so
 * storage is read once per activation, not per ask; the object tells it when
 * the alarm started (then none is set) and when it deletes it.
 */
export class SoonestAlarm {
  private at: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Makes the alarm run at `at` unless it is already set to run sooner. */
  async setNoLaterThan(at: number): Promise<void> {
    if (this.at === undefined) this.at = await this.storage.getAlarm();
    if (this.at !== null && this.at <= at) return;
    this.at = at;
    await this.storage.setAlarm(at);
  }

  /** The alarm started: it is no longer set. */
  started(): void {
    this.at = null;
  }

  async delete(): Promise<void> {
    await this.storage.deleteAlarm();
    this.at = null;
  }
}
