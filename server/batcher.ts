import { sqlState } from "./errors";
import { metrics } from "./metrics";

/**
 * Coalesces concurrent calls into batches: an item goes out at once when a slot is free, and
 * while all slots are busy the items that arrive wait and leave together in the next batch. At
 * low load every call is its own batch; under load the batches grow and the statements per
 * call shrink.
 */
/** Thrown when a Batcher's queue is full: the caller should shed the request and ask for a retry. */
export class BatcherOverloadedError extends Error {}

export class Batcher<Item, Result> {
  private queue: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (items: Item[]) => Promise<Result[]>,
    /** `name` labels its metrics: queue depth, batch sizes and shed requests. */
    private readonly options: { name: string; maxBatch: number; concurrency: number; maxQueue: number },
  ) {}

  add(item: Item): Promise<Result> {
    const { name } = this.options;
    if (this.queue.length >= this.options.maxQueue) {
      metrics.batcherShed.inc({ batcher: name });
      return Promise.reject(new BatcherOverloadedError("Too many requests are waiting."));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.queued(1);
      this.flush();
    });
  }

  /** Counts requests into (or out of) the queue-depth gauge, which reads the count at scrape time. */
  private queued(n: number) {
    const depths = metrics.batcherQueueDepths;
    depths.set(this.options.name, (depths.get(this.options.name) ?? 0) + n);
  }

  private flush() {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.queued(-batch.length);
      metrics.batchSize.observe({ batcher: this.options.name }, batch.length);
      this.inFlight++;
      this.runWithRetry(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.flush();
          if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
        });
    }
  }

  /** Resolves once everything added so far has been run (succeeded or failed): shutdown waits for it before closing the database. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Concurrent batches may touch the same rows; a deadlock or serialization failure is retried. */
  private async runWithRetry(items: Item[]): Promise<Result[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(items);
      } catch (error) {
        const state = sqlState(error);
        if (attempt >= 3 || (state !== "40P01" && state !== "40001")) throw error;
      }
    }
  }
}

/**
 * For the device API's statements (token checks, check-ins): one at a time per instance. While it
 * runs, the next requests gather into one larger batch, which costs PostgreSQL far less per row
 * than several small concurrent statements.
 */
export const DEVICE_REQUEST_BATCHING = { maxBatch: 500, concurrency: 1, maxQueue: 20_000 };

/** One instance per database (a test may open several), created on first use. */
export function perDatabase<Key extends object, Value>(create: (db: Key) => Value): (db: Key) => Value {
  const instances = new WeakMap<Key, Value>();
  return (db) => {
    let value = instances.get(db);
    if (value === undefined) {
      value = create(db);
      instances.set(db, value);
    }
    return value;
  };
}
