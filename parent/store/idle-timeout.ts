/** The store's own deadline on an upload: a sender that stops mid-batch must not hold the log (one writer) forever. */
import { StoreError } from '../../protocol/store/errors.js';

/** Reads `source` but fails with STORE_TIMEOUT (after calling `abort`) when a piece takes longer than `ms`. */
export async function* withIdleTimeout(
  source: AsyncIterable<Uint8Array>,
  ms: number,
  abort: (error: Error) => void,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  while (true) {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new StoreError(
          'STORE_TIMEOUT',
          `the upload sent nothing for ${ms} ms; its batch was dropped`,
        );
        abort(error);
        reject(error);
      }, ms);
    });
    try {
      const next = await Promise.race([iterator.next(), stalled]);
      if (next.done) return;
      yield next.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
