import { describe, expect, it } from 'vitest';
import type { IncomingRequest } from '../../protocol/transport/index.js';
import { channelPair } from './channel-pair.js';

/** Resolves once the server's handler has a request, which it then holds unanswered. */
function holdingHandler(): {
  handler: (request: IncomingRequest) => Promise<never>;
  held: Promise<IncomingRequest>;
} {
  let hold: (request: IncomingRequest) => void = () => undefined;
  const held = new Promise<IncomingRequest>((resolve) => {
    hold = resolve;
  });
  return {
    held,
    handler: (request) => {
      hold(request);
      return new Promise<never>(() => undefined);
    },
  };
}

describe("a request's abort signal", () => {
  it('aborts, with the transport error, when the connection is lost while the handler runs', async () => {
    const { handler, held } = holdingHandler();
    const pair = await channelPair('unix', { handler });
    pair.client.request('ping').catch(() => undefined);
    const request = await held;
    const { signal } = request;
    expect(signal.aborted).toBe(false);
    pair.client.destroy();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect((signal.reason as { code?: string }).code).toMatch(/^TRANSPORT_/);
    await pair.close();
  });

  it('is already aborted when the handler first reads it after the connection was lost', async () => {
    const { handler, held } = holdingHandler();
    const pair = await channelPair('unix', { handler });
    pair.client.request('ping').catch(() => undefined);
    const request = await held;
    const server = await pair.server;
    pair.client.destroy();
    await server.closed;
    expect(request.signal.aborted).toBe(true);
    expect((request.signal.reason as { code?: string }).code).toMatch(/^TRANSPORT_/);
    await pair.close();
  });
});
