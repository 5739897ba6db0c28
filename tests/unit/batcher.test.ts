import { describe, expect, it } from "vitest";
import { Batcher, BatcherOverloadedError } from "@/server/batcher";

describe("Batcher", () => {
  it("sends the first item alone and gathers the ones that wait into one batch", async () => {
    const batches: number[][] = [];
    let release = () => {};
    const batcher = new Batcher(
      async (items: number[]) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items.map((n) => n * 2);
      },
      { name: "test", maxBatch: 10, concurrency: 1, maxQueue: 100 },
    );
    const results = [1, 2, 3, 4].map((n) => batcher.add(n));
    release();
    expect(await Promise.all(results)).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("refuses items beyond its queue limit instead of letting the queue grow without bound", async () => {
    let release = () => {};
    let calls = 0;
    const batcher = new Batcher(
      async (items: number[]) => {
        if (++calls === 1) await new Promise<void>((resolve) => (release = resolve));
        return items;
      },
      { name: "test", maxBatch: 10, concurrency: 1, maxQueue: 2 },
    );
    const first = batcher.add(1); // in flight
    const queued = [batcher.add(2), batcher.add(3)];
    await expect(batcher.add(4)).rejects.toBeInstanceOf(BatcherOverloadedError);
    release();
    await first;
    expect(await Promise.all(queued)).toEqual([2, 3]);
  });
});
