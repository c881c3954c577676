import { describe, expect, it } from 'vitest';
import { isAllowed, parseAllowlist, parseEgressRoute, parseProxyConfig } from '../../parent/proxy/index.js';

// The shape of AWS's /etc/nitro_enclaves/vsock-proxy.yaml.
const AWS_STYLE = `
allowlist:
- {address: kms.us-east-1.amazonaws.com, port: 443}
- {address: kms-fips.us-east-1.amazonaws.com, port: 443}
- address: 127.0.0.1
  port: 9443
`;

describe('the egress allow-list', () => {
  it("reads vsock-proxy's YAML format", () => {
    expect(parseAllowlist(AWS_STYLE)).toEqual([
      { address: 'kms.us-east-1.amazonaws.com', port: 443 },
      { address: 'kms-fips.us-east-1.amazonaws.com', port: 443 },
      { address: '127.0.0.1', port: 9443 },
    ]);
  });

  it('refuses files that are not an allow-list, with its code', () => {
    for (const text of [
      'allowlist: [{address: x}]',
      'hosts: []',
      'allowlist: [{address: a, port: "443"}]',
      ': :',
    ]) {
      expect(() => parseAllowlist(text)).toThrow(
        expect.objectContaining({ code: 'PROXY_ALLOWLIST_INVALID' }),
      );
    }
  });

  it('matches host and port, case-insensitively, or by resolved address', () => {
    const list = parseAllowlist(AWS_STYLE);
    const dns: Record<string, string[]> = {
      'kms.us-east-1.amazonaws.com': ['10.0.0.1'],
      'alias.example': ['10.0.0.1'],
    };
    const addressesOf = (host: string) => dns[host] ?? [];
    expect(isAllowed(list, 'KMS.us-east-1.amazonaws.com', 443, addressesOf)).toBe(true);
    expect(isAllowed(list, 'kms.us-east-1.amazonaws.com', 80, addressesOf)).toBe(false);
    expect(isAllowed(list, 'alias.example', 443, addressesOf)).toBe(true);
    expect(isAllowed(list, 'kms.eu-west-1.amazonaws.com', 443, addressesOf)).toBe(false);
  });
});

describe('proxy configuration', () => {
  it('reads an egress route as <listen>=<host>:<port>', () => {
    expect(parseEgressRoute('vsock://3:8000=kms.us-east-1.amazonaws.com:443')).toEqual({
      listen: { kind: 'vsock', cid: 3, port: 8000 },
      remote: { kind: 'tcp', host: 'kms.us-east-1.amazonaws.com', port: 443 },
    });
  });

  it('refuses bad flags with PROXY_CONFIG_INVALID', () => {
    const base = { listen: 'tcp://127.0.0.1:0', enclave: 'unix:///tmp/e.sock' };
    for (const options of [
      { ...base, listen: 'http://x' },
      { ...base, maxConnections: '0' },
      { ...base, idleTimeout: 'soon' },
      { ...base, egress: ['vsock://3:8000'] },
      { ...base, egress: ['vsock://3:8000=kms.us-east-1.amazonaws.com:443'] },
      { ...base, metrics: 'vsock://3:9100' },
    ]) {
      expect(() => parseProxyConfig(options)).toThrow(
        expect.objectContaining({ code: 'PROXY_CONFIG_INVALID' }),
      );
    }
  });
});
