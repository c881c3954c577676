/**
 * The session server's bounds, read from its own stats while a flood is on: per connection, at most
 * `maxIncomingRequests` requests are held and at most one frame is buffered, however much the attacker pipelines;
 * another connection is served meanwhile, with a 16 KiB frame limit (below the 64 KiB upload chunk, which made every
 * connection fail before). (The same attack on the enclave process: enclave-network.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionServer, serveSessions } from '../../enclave/server.js';
import { EnclaveConnection } from '../../parent/client/index.js';
import { formatTransportAddress } from '../../protocol/transport/index.js';
import { makeWorld } from '../enclave/support.js';
import { scratchDirectory } from '../transport/helpers.js';
import { rawConnect, requestFrame } from './support.js';

const scratch = scratchDirectory();
let server: SessionServer;
let address: string;

beforeAll(async () => {
  const world = await makeWorld();
  server = await serveSessions(`unix://${scratch.path('enclave.sock')}`, world.service, {
    maxFrameBytes: 16 * 1024,
  });
  address = formatTransportAddress(server.listener.address);
});

afterAll(async () => {
  await server.close();
  scratch.cleanup();
});

describe('the session server under a flood of pipelined requests', () => {
  it('holds at most 32 requests and one frame per connection, and answers another connection meanwhile', async () => {
    const attackers = await Promise.all([rawConnect(address), rawConnect(address), rawConnect(address)]);
    const padding = new Uint8Array(2000);
    let sent = 0;
    for (const socket of attackers) {
      socket.pause(); // never reads a response
      for (let id = 1; id <= 5000; id++) {
        const frame = requestFrame(id, { type: 'status', sessionId: new Uint8Array(32), padding });
        socket.write(frame);
        sent += frame.length;
      }
    }
    const honest = await EnclaveConnection.open(address);
    for (let i = 0; i < 20; i++) {
      const response = await honest.send({
        type: 'attest',
        sessionId: new Uint8Array(32).fill(i),
        nonce: new Uint8Array(16),
      });
      expect(response).toMatchObject({ type: 'error', code: 'SESSION_UNKNOWN' });
    }
    const stats = server.stats();
    const unread = attackers.reduce((sum, s) => sum + s.writableLength, 0);
    console.log(JSON.stringify({ floodBytes: sent, stillInAttackerSockets: unread, server: stats }));
    expect(stats.connections).toBe(4);
    expect(stats.peakIncomingRequestsPerConnection).toBeLessThanOrEqual(32);
    expect(stats.peakFrameBytesBuffered).toBeLessThanOrEqual(16 * 1024);
    expect(stats.incomingRequests).toBeLessThanOrEqual(3 * 32);
    expect(unread).toBeGreaterThan(sent / 2);
    honest.close();
    for (const socket of attackers) socket.destroy();
  });
});
