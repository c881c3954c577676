/**
 * The store server: the parent listens (vsock on Nitro, unix in simulator mode) and the enclave connects. One
 * FrameChannel per connection; every request is validated before it reaches the store, and every refusal is a
 * StoreError whose code the enclave's client gets back. Memory per connection is bounded by the channel (frame
 * size, upload buffer, handlers in flight), the store (inline body size, one upload write buffer) and the reader
 * limit. Logs carry codes, counts and sizes, never record bytes.
 */
import { z } from 'zod';
import { NitroMpcError } from '../../common/errors.js';
import { StoreError } from '../../protocol/store/errors.js';
import { MAX_READ_BYTES, parseStoreMessage, storeRequestSchema } from '../../protocol/store/wire.js';
import {
  FrameChannel,
  formatTransportAddress,
  type IncomingRequest,
  listen,
  parseTransportAddress,
  type TransportConnection,
} from '../../protocol/transport/index.js';
import type { FileStore, FileStoreStats } from './file-store.js';
import type { LogSnapshotReader } from './log-reader.js';

export interface StoreServerLog {
  info(facts: Record<string, unknown>, message: string): void;
  warn(facts: Record<string, unknown>, message: string): void;
}

export interface StoreServerOptions {
  /** Connections served at once; more are closed at once (default 4: the enclave needs one or two). */
  readonly maxConnections?: number;
  /** Record listings open at once per connection (default 4). */
  readonly maxReadersPerConnection?: number;
  /**
   * Requests handled at once per connection (default 128); beyond, the connection is not read. With inline
   * appends of at most 256 KiB this bounds what queued appends hold: 4 connections x 128 x 256 KiB = 128 MiB.
   */
  readonly maxRequestsPerConnection?: number;
  readonly log?: StoreServerLog;
}

export interface StoreServerStats {
  readonly connections: number;
  readonly requests: number;
  readonly refusals: number;
  /** The most bytes any connection's frame decoder held, and any upload held unread. */
  readonly peakFrameBytesBuffered: number;
  readonly peakUploadBytesBuffered: number;
  readonly store: FileStoreStats;
}

export interface RunningStoreServer {
  /** Where it listens (a port chosen by the system filled in). */
  readonly address: string;
  stats(): StoreServerStats;
  /** Stops listening and drops open connections; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

const optionsSchema = z.strictObject({
  maxConnections: z.number().int().min(1).max(1024).default(4),
  maxReadersPerConnection: z.number().int().min(1).max(64).default(4),
  maxRequestsPerConnection: z.number().int().min(1).max(1024).default(128),
  log: z.custom<StoreServerLog>().optional(),
});

const silent: StoreServerLog = { info: () => undefined, warn: () => undefined };

interface ReaderSlot {
  readonly reader: LogSnapshotReader;
  busy: boolean;
}

/** One enclave connection: its listings and whether an upload is being written. */
class StoreConnection {
  readonly id: number;
  readonly channel: FrameChannel;
  readonly #store: FileStore;
  readonly #maxReaders: number;
  readonly #readers = new Map<number, ReaderSlot>();
  readonly #onRequest: () => void;
  #nextReader = 0;
  #uploading = false;

  constructor(
    id: number,
    stream: TransportConnection,
    store: FileStore,
    options: {
      maxReaders: number;
      maxRequests: number;
      onRequest: () => void;
      onRefusal: (e: unknown) => void;
    },
  ) {
    this.id = id;
    this.#store = store;
    this.#maxReaders = options.maxReaders;
    this.#onRequest = options.onRequest;
    this.channel = new FrameChannel(stream, {
      maxIncomingRequests: options.maxRequests,
      handler: (request) =>
        this.#handle(request).catch((error: unknown) => {
          options.onRefusal(error);
          throw error;
        }),
    });
  }

  async closeReaders(): Promise<void> {
    const slots = [...this.#readers.values()];
    this.#readers.clear();
    await Promise.all(slots.map((slot) => slot.reader.close()));
  }

  async #handle(request: IncomingRequest): Promise<unknown> {
    this.#onRequest();
    const body = parseStoreMessage(storeRequestSchema, request.body, 'the store request');
    const upload = request.upload;
    if (upload !== undefined && !(body.op === 'append' && body.body === undefined))
      throw new StoreError('STORE_REQUEST_INVALID', `a ${body.op} request carries no upload`);
    switch (body.op) {
      case 'read-key': {
        const blob = await this.#store.readSealKey();
        return { blob: blob ?? null };
      }
      case 'write-key':
        await this.#store.writeSealKey(body.blob);
        return {};
      case 'append': {
        const expected = { count: body.count, bodyBytes: body.bodyBytes };
        if (body.body !== undefined) {
          await this.#store.appendEncoded(body.body, expected);
          return {};
        }
        if (upload === undefined)
          throw new StoreError('STORE_REQUEST_INVALID', 'an append without an inline body needs an upload');
        if (this.#uploading)
          throw new StoreError(
            'STORE_BUSY',
            'one upload at a time per connection: wait for the previous append',
          );
        this.#uploading = true;
        try {
          await this.#store.appendStream(upload, expected, (error) => upload.destroy(error));
        } finally {
          this.#uploading = false;
        }
        return {};
      }
      case 'drop':
        await this.#store.dropSession(body.sessionId);
        return {};
      case 'read-open': {
        if (this.#readers.size >= this.#maxReaders) {
          throw new StoreError(
            'STORE_BUSY',
            `at most ${this.#maxReaders} record listings per connection; finish or close one first`,
          );
        }
        const reader = await this.#store.openReader();
        const id = this.#nextReader;
        this.#nextReader = (this.#nextReader + 1) % 0x1_0000_0000;
        this.#readers.set(id, { reader, busy: false });
        return { reader: id };
      }
      case 'read':
        return this.#read(body.reader, body.maxBytes);
      case 'read-close': {
        const slot = this.#readers.get(body.reader);
        this.#readers.delete(body.reader);
        await slot?.reader.close();
        return {};
      }
    }
  }

  async #read(id: number, maxBytes: number): Promise<unknown> {
    const slot = this.#readers.get(id);
    if (!slot)
      throw new StoreError('STORE_REQUEST_INVALID', `no open record listing ${id} on this connection`);
    if (slot.busy) throw new StoreError('STORE_BUSY', `listing ${id} is already being read; read it in turn`);
    slot.busy = true;
    try {
      const page = await slot.reader.read(Math.min(maxBytes, MAX_READ_BYTES));
      if (page.done) {
        this.#readers.delete(id);
        await slot.reader.close();
      }
      return { data: page.data, done: page.done };
    } catch (error) {
      this.#readers.delete(id);
      await slot.reader.close();
      throw error;
    } finally {
      slot.busy = false;
    }
  }
}

/** Serves `store` at `address` (`vsock://any:<port>`, `unix:///path`, `tcp://host:port`). */
export async function serveSealedStore(
  store: FileStore,
  address: string,
  options: StoreServerOptions = {},
): Promise<RunningStoreServer> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new StoreError('STORE_OPTIONS_INVALID', `store server options: ${parsed.error.issues[0]?.message}`);
  const { maxConnections, maxReadersPerConnection, maxRequestsPerConnection } = parsed.data;
  const log = options.log ?? silent;
  const connections = new Set<StoreConnection>();
  let nextId = 0;
  let requests = 0;
  let refusals = 0;
  let peakFrame = 0;
  let peakUpload = 0;
  const fold = (channel: FrameChannel): void => {
    peakFrame = Math.max(peakFrame, channel.stats.peakFrameBytesBuffered);
    peakUpload = Math.max(peakUpload, channel.stats.peakUploadBytesBuffered);
  };

  try {
    parseTransportAddress(address);
  } catch (cause) {
    throw new StoreError('STORE_OPTIONS_INVALID', (cause as Error).message, { cause });
  }
  // A socket file left by a killed server is taken over by `listen` itself (protocol/transport).
  const listener = await listen(
    address,
    (stream) => {
      const id = nextId++;
      if (connections.size >= maxConnections) {
        log.warn({ connection: id, maxConnections }, 'connection refused: too many connections');
        stream.destroy();
        return;
      }
      const connection = new StoreConnection(id, stream, store, {
        maxReaders: maxReadersPerConnection,
        maxRequests: maxRequestsPerConnection,
        onRequest: () => {
          requests += 1;
        },
        onRefusal: (error) => {
          refusals += 1;
          const code = error instanceof NitroMpcError ? error.code : 'INTERNAL';
          log.warn({ connection: id, code }, 'request refused');
        },
      });
      connections.add(connection);
      log.info({ connection: id }, 'connection opened');
      void connection.channel.closed.then((reason) => {
        connections.delete(connection);
        fold(connection.channel);
        void connection.closeReaders();
        log.info({ connection: id, ...(reason ? { code: reason.code } : {}) }, 'connection closed');
      });
    },
    { onError: (error) => log.warn({ error: error.message }, 'accepting a connection failed') },
  ).catch((cause: unknown) => {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `cannot listen on ${address}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  });

  let closing: Promise<void> | undefined;
  return {
    address: formatTransportAddress(listener.address),
    stats() {
      for (const connection of connections) fold(connection.channel);
      return {
        connections: connections.size,
        requests,
        refusals,
        peakFrameBytesBuffered: peakFrame,
        peakUploadBytesBuffered: peakUpload,
        store: store.stats(),
      };
    },
    close() {
      closing ??= (async () => {
        await listener.close();
        await Promise.all([...connections].map((connection) => connection.closeReaders()));
      })();
      return closing;
    },
  };
}
