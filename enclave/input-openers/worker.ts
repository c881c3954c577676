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

/** The worker side: opens each envelope it is sent with `openInputWithKeys` and answers with the result. */
export function runInputOpenerWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('the input opener runs in a worker thread');
  const { finished } = workerData as InputOpenerData;
  let open = 0;
  let stopping = false;
  const stopWhenIdle = () => {
    if (stopping && open === 0) port.close();
  };
  port.on('message', (request: OpenRequest | typeof STOP) => {
    if (request === STOP) {
      stopping = true;
      stopWhenIdle();
      return;
    }
    open += 1;
    openInputWithKeys(request.envelope, request.keys, request.expected)
      .then(
        (opened) => {
          // Transferred, so it must not share a buffer; a copy leaves the original zeroed.
          const plaintext = withOwnBuffer(opened.plaintext);
          if (plaintext !== opened.plaintext) opened.plaintext.fill(0);
          const reply: OpenReply = { id: request.id, plaintext, commitment: opened.commitment };
          Atomics.add(finished, 0, 1);
          port.postMessage(reply, [plaintext.buffer as ArrayBuffer]);
        },
        (error: unknown) => {
          const reply: OpenReply = { id: request.id, failure: failureOf(error) };
          Atomics.add(finished, 0, 1);
          port.postMessage(reply);
        },
      )
      .finally(() => {
        // This thread's clone of the session's raw private key (where libsodium does the DH) goes with the input.
        request.keys.recipient.privateRaw?.fill(0);
        open -= 1;
        stopWhenIdle();
      });
  });
}
