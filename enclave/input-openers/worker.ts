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
 * After a message the worker keeps its event loop turning (polling, not sleeping) this long: under load the next
 * batch comes within it, and being put to sleep and woken for every batch cost more CPU than the polling (on a
 * virtual machine a wake-up crosses to the hypervisor). Idle, it costs at most this much per message.
 */
const STAY_AWAKE_MS = 1;

/** Inputs opened between two turns of the worker's event loop (answers leave, requests come in, at each turn). */
const OPENS_PER_TURN = 8;

/**
 * The worker side: opens each envelope it is sent with `openInputWithKeys` and answers with the results, those
 * finished in one turn of its event loop as one message (as the pool batches its requests).
 */
export function runInputOpenerWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('the input opener runs in a worker thread');
  const { finished } = workerData as InputOpenerData;
  let stopping = false;
  const queue: OpenRequest[] = [];
  let draining = false;
  let replies: OpenReply[] = [];
  let transfers: ArrayBuffer[] = [];
  /** After `STOP`, the port closes once every input is opened and every answer sent. */
  const closeIfDone = () => {
    if (stopping && !draining && replies.length === 0) port.close();
  };
  const flush = () => {
    if (replies.length > 0) {
      port.postMessage(replies, transfers);
      replies = [];
      transfers = [];
    }
    closeIfDone();
  };
  const answer = (reply: OpenReply, transfer?: ArrayBuffer) => {
    Atomics.add(finished, 0, 1);
    if (replies.length === 0) setImmediate(flush);
    replies.push(reply);
    if (transfer) transfers.push(transfer);
  };
  const openOne = async (request: OpenRequest): Promise<void> => {
    try {
      const opened = await openInputWithKeys(request.envelope, request.keys, request.expected);
      // Transferred, so it must not share a buffer; a copy leaves the original zeroed.
      const plaintext = withOwnBuffer(opened.plaintext);
      if (plaintext !== opened.plaintext) opened.plaintext.fill(0);
      answer({ id: request.id, plaintext, commitment: opened.commitment }, plaintext.buffer as ArrayBuffer);
    } catch (error) {
      answer({ id: request.id, failure: failureOf(error) });
    }
  };
  /**
   * This thread's clones of sessions' raw private keys (where libsodium does the DH) and of senders' static DH
   * secrets, zeroed once it has no more work: the requests of one message share a single clone of each, so none
   * can go before its last input.
   */
  const heldKeys = new Set<Uint8Array>();
  const forgetKeys = () => {
    for (const key of heldKeys) key.fill(0);
    heldKeys.clear();
  };
  // One at a time, so each finishes (and counts) as early as it can: started together, a batch's inputs would all
  // finish at its end, and the pool would take a long batch for a stuck worker.
  const drain = async () => {
    draining = true;
    let inTurn = 0;
    for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
      await openOne(request);
      // Let the answers go and the next requests in now and then.
      if (++inTurn === OPENS_PER_TURN) {
        inTurn = 0;
        await new Promise((turn) => setImmediate(turn));
      }
    }
    draining = false;
    forgetKeys();
    closeIfDone();
  };
  let lastMessageAt = 0;
  let awake = false;
  const stayAwake = () => {
    if (!stopping && performance.now() - lastMessageAt < STAY_AWAKE_MS) setImmediate(stayAwake);
    else awake = false;
  };
  port.on('message', (message: readonly OpenRequest[] | typeof STOP) => {
    lastMessageAt = performance.now();
    if (!awake) {
      awake = true;
      setImmediate(stayAwake);
    }
    if (message === STOP) {
      stopping = true;
      closeIfDone();
      return;
    }
    for (const request of message) {
      const key = request.keys.recipient.privateRaw;
      if (key) heldKeys.add(key);
      const staticSecret = request.keys.senderHpke?.staticSecret;
      if (staticSecret) heldKeys.add(staticSecret);
      queue.push(request);
    }
    if (!draining) void drain();
  });
}
