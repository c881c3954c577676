import { type EnclaveResponse, parseEnclaveResponse } from '../../protocol/index.js';
import {
  connect,
  FrameChannel,
  type FrameChannelOptions,
  type TransportConnection,
} from '../../protocol/transport/index.js';

/** The transport's own default. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How often a connect refused for a full listen backlog is tried again. */
const FULL_BACKLOG_RETRY_MS = 10;

export interface EnclaveConnectionOptions extends FrameChannelOptions {
  /** Give up connecting after this long (default the transport's 10 s). */
  readonly connectTimeoutMs?: number;
}

function fullBacklog(error: unknown): boolean {
  return (error as { details?: { errno?: unknown } } | null)?.details?.errno === 'EAGAIN';
}

/**
 * Connects within the timeout. A unix socket (the enclave in simulator mode) whose listen backlog is full refuses
 * at once with EAGAIN instead of queueing like TCP; when many parties connect together that is momentary, so it
 * is tried again until the timeout.
 */
async function connectPatiently(address: string, timeoutMs: number): Promise<TransportConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(address, { timeoutMs: Math.max(1, deadline - Date.now()) });
    } catch (error) {
      if (!fullBacklog(error) || Date.now() + FULL_BACKLOG_RETRY_MS >= deadline) throw error;
      await new Promise((retry) => setTimeout(retry, FULL_BACKLOG_RETRY_MS));
    }
  }
}

/**
 * A party's connection to an enclave (directly, or through the parent's proxy): requests out, responses validated
 * at the edge. The first piece of the party SDK.
 */
export class EnclaveConnection {
  private constructor(readonly channel: FrameChannel) {}

  static async open(address: string, options: EnclaveConnectionOptions = {}): Promise<EnclaveConnection> {
    const { connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, ...channelOptions } = options;
    return new EnclaveConnection(
      new FrameChannel(await connectPatiently(address, connectTimeoutMs), channelOptions),
    );
  }

  async send(request: unknown): Promise<EnclaveResponse> {
    return parseEnclaveResponse(await this.channel.request(request));
  }

  close(): void {
    this.channel.destroy();
  }
}
