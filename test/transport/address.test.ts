import { describe, expect, it } from 'vitest';
import {
  formatTransportAddress,
  parseTransportAddress,
  TransportError,
  VSOCK_CID_ANY,
} from '../../protocol/transport/index.js';

describe('transport addresses', () => {
  it('parses the three kinds and formats them back', () => {
    const cases = [
      ['vsock://16:5000', { kind: 'vsock', cid: 16, port: 5000 }],
      ['vsock://any:0', { kind: 'vsock', cid: VSOCK_CID_ANY, port: 0 }],
      ['unix:///run/nitro/enclave.sock', { kind: 'unix', path: '/run/nitro/enclave.sock' }],
      ['tcp://127.0.0.1:8443', { kind: 'tcp', host: '127.0.0.1', port: 8443 }],
      ['tcp://[::1]:0', { kind: 'tcp', host: '::1', port: 0 }],
      ['tcp://parent.internal:80', { kind: 'tcp', host: 'parent.internal', port: 80 }],
    ] as const;
    for (const [text, expected] of cases) {
      const parsed = parseTransportAddress(text);
      expect(parsed).toEqual(expected);
      expect(formatTransportAddress(parsed)).toBe(text);
    }
  });

  it('refuses malformed addresses with TRANSPORT_ADDRESS_INVALID', () => {
    const bad = [
      'vsock://16',
      'vsock://-1:5000',
      'vsock://16:4294967296',
      'vsock://0x10:5000',
      'unix://relative/path',
      `unix:///${'a'.repeat(200)}`,
      'unix:///tmp/a\0b',
      'tcp://host:65536',
      'tcp://bad_host!:80',
      'tcp://[127.0.0.1]:80',
      'http://example.com:80',
      'no-scheme',
      42,
    ];
    for (const text of bad) {
      const error = (() => {
        try {
          parseTransportAddress(text);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, String(text)).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe('TRANSPORT_ADDRESS_INVALID');
    }
  });
});
