import { afterEach, describe, expect, it } from 'vitest';
import { NitroMpcError } from '../../common/errors.js';
import { connect, listen, TransportError } from '../../protocol/transport/index.js';
import { type ChannelPair, channelPair, type PairKind } from './channel-pair.js';
import { scratchDirectory } from './helpers.js';

class RefusedError extends NitroMpcError<'SESSION_NOT_FOUND'> {}

const kinds: PairKind[] = ['unix', 'tcp', 'native'];
let open: ChannelPair | undefined;

afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe.each(kinds)('frame channel over %s', (kind) => {
  it('answers requests with the handler result and matches many concurrent requests by id', async () => {
    // Answers in reverse arrival order, so matching by order would fail.
    const waiting: Array<() => void> = [];
    open = await channelPair(kind, {
      maxIncomingRequests: 100,
      handler: async ({ body }) => {
        const value = (body as Map<string, number>).get('n') ?? -1;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 100) for (const release of waiting.reverse()) release();
        });
        return new Map([['square', value * value]]);
      },
    });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, n) => open?.client.request(new Map([['n', n]]))),
    );
    expect(answers).toEqual(Array.from({ length: 100 }, (_, n) => new Map([['square', n * n]])));
    const server = await open.server;
    expect(server.stats.incomingRequests).toBe(0);
    expect(open.client.stats.pendingRequests).toBe(0);

    await open.client.close();
    expect(await open.client.closed).toBeUndefined();
    expect(await server.closed).toBeUndefined();
  });

  it('carries a deliberate handler error as TRANSPORT_REMOTE_ERROR with the code, and hides others', async () => {
    open = await channelPair(kind, {
      handler: ({ body }) => {
        if (body === 'known') throw new RefusedError('SESSION_NOT_FOUND', 'no such session');
        throw new Error('secret detail');
      },
    });
    const known = await open.client.request('known').catch((error: unknown) => error);
    expect(known).toBeInstanceOf(TransportError);
    expect((known as TransportError).code).toBe('TRANSPORT_REMOTE_ERROR');
    expect((known as TransportError).details).toEqual({ remoteCode: 'SESSION_NOT_FOUND' });
    const other = (await open.client.request('other').catch((error: unknown) => error)) as TransportError;
    expect(other.details).toEqual({ remoteCode: 'HANDLER_FAILED' });
    expect(other.message).not.toContain('secret');
    await open.client.close();
  });
});

describe('listen and connect over unix and tcp', () => {
  it('round-trips bytes with half-close semantics', async () => {
    const scratch = scratchDirectory();
    for (const address of [`unix://${scratch.path('echo.sock')}`, 'tcp://127.0.0.1:0']) {
      const listener = await listen(address, (connection) => connection.pipe(connection));
      const connection = await connect(listener.address);
      connection.end('hello');
      const chunks: Buffer[] = [];
      for await (const chunk of connection) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('hello');
      await listener.close();
    }
    scratch.cleanup();
  });

  it('reports a refused connection and a taken address with typed errors', async () => {
    const scratch = scratchDirectory();
    const refused = await connect(`unix://${scratch.path('nobody.sock')}`).catch((error: unknown) => error);
    expect((refused as TransportError).code).toBe('TRANSPORT_CONNECT_FAILED');
    const listener = await listen('tcp://127.0.0.1:0', () => undefined);
    const taken = await listen(listener.address, () => undefined).catch((error: unknown) => error);
    expect((taken as TransportError).code).toBe('TRANSPORT_LISTEN_FAILED');
    await listener.close();
    const closedPort = await connect(listener.address).catch((error: unknown) => error);
    expect((closedPort as TransportError).code).toBe('TRANSPORT_CONNECT_FAILED');
    scratch.cleanup();
  });

  it('destroys accepted connections when the listener closes', async () => {
    const listener = await listen('tcp://127.0.0.1:0', () => undefined);
    const connection = await connect(listener.address);
    const closed = new Promise((resolve) => connection.once('close', resolve));
    connection.resume();
    await listener.close();
    await closed;
    expect(connection.destroyed).toBe(true);
  });
});
