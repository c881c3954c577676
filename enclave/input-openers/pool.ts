import { Worker } from 'node:worker_threads';
import { withOwnBuffer } from '../../common/bytes.js';
import {
  type InputBinding,
  type InputOpeningKeys,
  type OpenedInput,
  openInputWithKeys,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
} from '../../protocol/index.js';
import { InputOpenerError } from './errors.js';
import {
  INPUT_OPENER_ROLE,
  type InputOpenerData,
  type OpenFailure,
  type OpenReply,
  type OpenRequest,
  STOP,
} from './messages.js';

export interface InputOpenerPoolOptions {
  /** Worker threads: the enclave's vCPUs beyond the one its main thread (framing, sessions) uses. */
  readonly size: number;
  /** The script each worker runs; it must call `runInputOpenerWorker` when `isInputOpenerThread()`. */
  readonly entry: URL;
  /** A worker with work that finishes nothing for this long is taken as stuck (default `STALLED_AFTER_MS`). */
  readonly stalledAfterMs?: number;
  /** Told when a worker stops unexpectedly (it is replaced; what it held is refused with a code). */
  readonly onWorkerLost?: (reason: string) => void;
}

interface Pending {
  readonly resolve: (opened: OpenedInput) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Requests not yet posted: sent as one message when this turn of the event loop ends, or sooner (see `open`). */
  readonly outbox: OpenRequest[];
  /** Requests posted to this worker. */
  posted: number;
  /** Requests the worker has finished, counted by the worker itself (shared memory, see `backlogOf`). */
  readonly finished: Int32Array;
  /** `finished` as last seen here, and when it last moved (or work was handed to an idle worker): see `stalled`. */
  seenFinished: number;
  progressAt: number;
  answered: boolean;
}

/**
 * What a worker still has to do: posted minus finished by its own count. Not `pending.size`: replies wait in this
 * thread's queue while it is busy, so under a burst a worker that is idle would look backed up, and this thread
 * would open nearly every input itself while the worker waits.
 */
function backlogOf(slot: Slot): number {
  return slot.posted - Atomics.load(slot.finished, 0);
}

/** A worker that never answered is failing at start: after this many in a row, open on the main thread instead. */
const MAX_FAILED_STARTS = 3;

const protocolCodes: ReadonlySet<string> = new Set(PROTOCOL_ERROR_CODES);

/**
 * A worker with work that has finished nothing for this long is stuck (or starved): this thread then opens inputs
 * itself, one at a time, until it moves again. An input takes a worker well under a millisecond.
 */
const STALLED_AFTER_MS = 50;

/**
 * Whether `slot` has had work for `afterMs` without finishing any. Short of that the worker is left all
 * the opening: this thread has every frame and session to run, and taking inputs whenever a worker had a few
 * queued made it the bottleneck (under a burst it opened nearly all of them while the worker idled).
 */
function stalled(slot: Slot, now: number, afterMs: number): boolean {
  const finished = Atomics.load(slot.finished, 0);
  if (finished !== slot.seenFinished || slot.posted === finished) {
    slot.seenFinished = finished;
    slot.progressAt = now;
    return false;
  }
  return now - slot.progressAt >= afterMs;
}

/**
 * A worker with fewer inputs than this left to open is handed new ones at once rather than at the end of this
 * turn of the event loop; one with more gets them as one batch, of at most `MAX_BATCH`.
 */
const HAND_OVER_BELOW = 2;
const MAX_BATCH = 16;

/** Deeper than any envelope: past it values are passed as they are (the worker's schema refuses them anyway). */
const MAX_COMPACT_DEPTH = 8;

/**
 * `value` with every byte array that is a view into a larger buffer copied to one of its own size. Decoded byte
 * strings are views into the frame they came in (often a whole socket read), and posting a view to a thread
 * copies its entire buffer: four fields of one envelope cost four socket buffers per input.
 */
function compacted(value: unknown, depth: number): unknown {
  if (value instanceof Uint8Array) return withOwnBuffer(value);
  if (depth >= MAX_COMPACT_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => compacted(item, depth + 1));
  if (value instanceof Map) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = compacted(field, depth + 1);
  return copy;
}

function errorOf(failure: OpenFailure): Error {
  if (failure.code !== undefined && protocolCodes.has(failure.code)) {
    return new ProtocolError(failure.code as ProtocolErrorCode, failure.message, {
      ...(failure.details === undefined ? {} : { details: failure.details }),
    });
  }
  return new InputOpenerError('INPUT_OPENER_FAILED', failure.message);
}

/**
 * Checks and opens single-envelope inputs (schema, Ed25519/ES256 signature, binding, HPKE open, commitment) on
 * worker threads: that is most of an input's CPU, and the main thread, which frames requests and runs sessions,
 * would otherwise be the one core doing it. Results come back in any order; each caller gets its own.
 */
export class InputOpenerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private failedStarts = 0;
  private closed = false;
  /** Opens running on this thread right now, and how many it has run in all. */
  private openingHere = 0;
  private openedHereCount = 0;
  private flushScheduled = false;

  private readonly stalledAfterMs: number;

  constructor(private readonly options: InputOpenerPoolOptions) {
    this.stalledAfterMs = options.stalledAfterMs ?? STALLED_AFTER_MS;
    for (let i = 0; i < options.size; i++) this.spawn();
  }

  get size(): number {
    return this.slots.length;
  }

  /** Inputs this thread opened itself (no worker, or the workers stuck). */
  get openedHere(): number {
    return this.openedHereCount;
  }

  /** Requests handed to workers and not yet finished by them (whether or not their answers have been read here). */
  get backlog(): number {
    let total = 0;
    for (const slot of this.slots) total += backlogOf(slot);
    return total;
  }

  async open(envelope: unknown, keys: InputOpeningKeys, expected: InputBinding): Promise<OpenedInput> {
    const slot = this.leastBusy();
    // No worker (closed, or workers cannot start), or even the least busy one stuck while this thread has none of
    // its own in hand: the same check, here.
    if (!slot || (this.openingHere === 0 && stalled(slot, performance.now(), this.stalledAfterMs))) {
      this.openingHere += 1;
      this.openedHereCount += 1;
      try {
        return await openInputWithKeys(envelope, keys, expected);
      } finally {
        this.openingHere -= 1;
      }
    }
    const id = this.nextId++;
    const request: OpenRequest = {
      id,
      envelope: compacted(envelope, 0),
      keys,
      expected: {
        sessionId: withOwnBuffer(expected.sessionId),
        inputName: expected.inputName,
        partyId: expected.partyId,
        round: expected.round,
      },
    };
    return await new Promise<OpenedInput>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.outbox.push(request);
      slot.posted += 1;
      // A worker about to run dry gets its work now: waiting for the end of this turn left it idle while this
      // thread decoded a whole burst of frames (measured: the first 50-75 ms of a 1,000-input burst).
      if (backlogOf(slot) - slot.outbox.length < HAND_OVER_BELOW || slot.outbox.length >= MAX_BATCH) {
        this.flush(slot);
      } else {
        this.scheduleFlush();
      }
    });
  }

  /**
   * Posts each worker's outbox as one message once the frames read in this turn of the event loop are handled: a
   * message costs a wake-up and a dispatch on each side, and a burst of inputs then pays them once per batch.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const slot of this.slots) this.flush(slot);
    });
  }

  private flush(slot: Slot): void {
    if (slot.outbox.length === 0) return;
    const batch = slot.outbox.splice(0);
    try {
      slot.worker.postMessage(batch);
    } catch {
      // Something in the batch is not clonable (nothing a decoded frame holds): post each alone, refuse the culprit.
      for (const request of batch) {
        try {
          slot.worker.postMessage([request]);
        } catch {
          slot.posted -= 1;
          slot.pending
            .get(request.id)
            ?.reject(
              new InputOpenerError(
                'INPUT_OPENER_FAILED',
                'the input could not be handed to an opener thread',
              ),
            );
          slot.pending.delete(request.id);
        }
      }
    }
  }

  /** Lets each worker finish what it holds and stop (terminated after `graceMs`); later opens run on this thread. */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        const exited = new Promise((done) => slot.worker.once('exit', done));
        this.flush(slot);
        slot.worker.postMessage(STOP);
        const timer = setTimeout(() => void slot.worker.terminate(), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const slot of slots) this.fail(slot, 'the enclave is stopping');
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || backlogOf(slot) < backlogOf(best)) best = slot;
    return best;
  }

  private spawn(): void {
    // The process's own node options (e.g. --cpu-prof) apply to the workers too.
    const finished = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const workerData: InputOpenerData = { role: INPUT_OPENER_ROLE, finished };
    const worker = new Worker(this.options.entry, { workerData });
    const slot: Slot = {
      worker,
      pending: new Map(),
      outbox: [],
      posted: 0,
      finished,
      seenFinished: 0,
      progressAt: performance.now(),
      answered: false,
    };
    worker.on('message', (replies: readonly OpenReply[]) => {
      for (const reply of replies) this.settle(slot, reply);
    });
    // The name only: an uncaught error's message could quote what the worker held.
    worker.on('error', (error) => this.lose(slot, `input opener failed (${error.name})`));
    worker.on('exit', (code) => this.lose(slot, `input opener exited with code ${code}`));
    this.slots.push(slot);
  }

  private settle(slot: Slot, reply: OpenReply): void {
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    slot.answered = true;
    this.failedStarts = 0;
    if ('failure' in reply) pending.reject(errorOf(reply.failure));
    else pending.resolve({ plaintext: reply.plaintext, commitment: reply.commitment });
  }

  private lose(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.fail(slot, 'the thread opening this input stopped: nothing was kept, send it again');
    if (this.closed) return;
    this.options.onWorkerLost?.(reason);
    if (!slot.answered) this.failedStarts += 1;
    if (this.failedStarts < MAX_FAILED_STARTS) this.spawn();
  }

  private fail(slot: Slot, message: string): void {
    for (const pending of slot.pending.values()) {
      pending.reject(new InputOpenerError('INPUT_OPENER_FAILED', message));
    }
    slot.pending.clear();
    slot.outbox.length = 0;
  }
}
