/**
 * Writes gathered into batches: many messages' outcomes in one statement instead of one each. A batch runs when
 * its owner says nothing more is coming (flush), when it is full, or `maxWaitMs` after its first item, so that
 * under a steady stream of work no item waits long. Each caller gets its own item's answer, or the batch's
 * error. (DataLoader batches loads by event-loop turn; writes whose senders finish at different moments need
 * their owner's word instead, hence these few lines.)
 */
export interface Batcher<I, O> {
  add(item: I): Promise<O>;
  /** Runs what is gathered now. */
  flush(): void;
}

export function createBatcher<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: { maxBatch: number; maxWaitMs: number },
): Batcher<I, O> {
  let pending: { item: I; resolve: (answer: O) => void; reject: (error: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    run(batch.map((entry) => entry.item)).then(
      (answers) => batch.forEach((entry, index) => entry.resolve(answers[index] as O)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
  return {
    flush,
    add(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= options.maxBatch) flush();
        else if (timer === undefined) timer = setTimeout(flush, options.maxWaitMs);
      });
    },
  };
}
