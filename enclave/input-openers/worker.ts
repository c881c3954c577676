import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { withOwnBuffer } from '../../common/bytes.js';
import { NitroMpcError } from '../../common/errors.js';
import { openInputWithKeys } from '../../protocol/index.js';
import {
  INPUT_OPENER_ROLE,
  type InputOpenerData,
  type OpenFailure,
  type OpenReply,
  type OpenRequest,
  STOP,
} from './messages.js';

/** True in a worker thread started by `InputOpenerPool`. */
export function isInputOpenerThread(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === INPUT_OPENER_ROLE;
}

function failureOf(error: unknown): OpenFailure {
  if (error instanceof NitroMpcError) {
    return { code: error.code, message: error.message, details: error.details };
  }
  // Not one of ours: no message, it could quote anything.
  return { code: undefined, message: 'input opening failed unexpectedly', details: undefined };
}

/**
 * The worker side: opens each envelope it is sent with `openInputWithKeys` and answers with the results, those
 * finished in one turn of its event loop as one message (as the pool batches its requests).
 */
export function runInputOpenerWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('the input opener runs in a worker thread');
  const { finished } = workerData as InputOpenerData;
  let open = 0;
  let stopping = false;
  let replies: OpenReply[] = [];
  let transfers: ArrayBuffer[] = [];
  const flush = () => {
    if (replies.length > 0) {
      port.postMessage(replies, transfers);
      replies = [];
      transfers = [];
    }
    if (stopping && open === 0) port.close();
  };
  const answer = (reply: OpenReply, transfer?: ArrayBuffer) => {
    Atomics.add(finished, 0, 1);
    if (replies.length === 0) setImmediate(flush);
    replies.push(reply);
    if (transfer) transfers.push(transfer);
  };
  const openOne = (request: OpenRequest) => {
    open += 1;
    openInputWithKeys(request.envelope, request.keys, request.expected)
      .then(
        (opened) => {
          // Transferred, so it must not share a buffer; a copy leaves the original zeroed.
          const plaintext = withOwnBuffer(opened.plaintext);
          if (plaintext !== opened.plaintext) opened.plaintext.fill(0);
          answer(
            { id: request.id, plaintext, commitment: opened.commitment },
            plaintext.buffer as ArrayBuffer,
          );
        },
        (error: unknown) => answer({ id: request.id, failure: failureOf(error) }),
      )
      .finally(() => {
        // This thread's clone of the session's raw private key (where libsodium does the DH) goes with the input.
        request.keys.recipient.privateRaw?.fill(0);
        open -= 1;
        if (stopping && open === 0 && replies.length === 0) port.close();
      });
  };
  port.on('message', (message: readonly OpenRequest[] | typeof STOP) => {
    if (message === STOP) {
      stopping = true;
      if (open === 0 && replies.length === 0) port.close();
      return;
    }
    for (const request of message) openOne(request);
  });
}
