import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { NitroMpcError } from '../../common/errors.js';
import { openInputWithKeys } from '../../protocol/index.js';
import { INPUT_OPENER_ROLE, type OpenFailure, type OpenReply, type OpenRequest, STOP } from './messages.js';

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

/** A fresh ArrayBuffer of its own, so transferring it cannot detach a buffer shared with anything else. */
function owned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = new Uint8Array(bytes);
  bytes.fill(0);
  return copy;
}

/** The worker side: opens each envelope it is sent with `openInputWithKeys` and answers with the result. */
export function runInputOpenerWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('the input opener runs in a worker thread');
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
          const plaintext = owned(opened.plaintext);
          const reply: OpenReply = { id: request.id, plaintext, commitment: opened.commitment };
          port.postMessage(reply, [plaintext.buffer as ArrayBuffer]);
        },
        (error: unknown) => {
          const reply: OpenReply = { id: request.id, failure: failureOf(error) };
          port.postMessage(reply);
        },
      )
      .finally(() => {
        open -= 1;
        stopWhenIdle();
      });
  });
}
