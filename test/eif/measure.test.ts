import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource, type EifErrorCode, measureEif } from '../../parent/eif/index.js';
import { buildEif, DEFAULT_METADATA, type EifParts, fixCrc } from './build-eif.js';

const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-eif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parts: EifParts = {
  kernel: new Uint8Array(3000).map((_, i) => (i * 7) & 0xff),
  cmdline: 'reboot=k panic=30 pci=off nomodules console=ttyS0 random.trust_cpu=on',
  ramdisks: [
    new TextEncoder().encode('bootstrap ramdisk (AWS init, nsm driver)'),
    new TextEncoder().encode('customer ramdisk 1: the application'),
    new Uint8Array(200_000).fill(0x5a),
  ],
};

/** PCR = SHA384(zeros48 || SHA384(data)), computed by openssl from files, not by node. */
function opensslPcr(name: string, data: readonly (Uint8Array | string)[]): string {
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(data.map((d) => Buffer.from(d))));
  const inner = execFileSync('openssl', ['dgst', '-sha384', '-binary', file]);
  writeFileSync(`${file}.ext`, Buffer.concat([Buffer.alloc(48), inner]));
  return (
    execFileSync('openssl', ['dgst', '-sha384', '-r', `${file}.ext`])
      .toString()
      .split(' ')[0] ?? ''
  );
}

async function codeOf(bytes: Uint8Array): Promise<EifErrorCode | string> {
  return measureEif(bytesSource(bytes)).then(
    () => 'no error',
    (error: { code: string }) => error.code,
  );
}

describe('measureEif: PCRs as nitro-cli computes them', () => {
  it('PCR0 = kernel+cmdline+all ramdisks, PCR1 = kernel+cmdline+first ramdisk, PCR2 = the other ramdisks', async () => {
    const [boot, app1, app2] = parts.ramdisks as [Uint8Array, Uint8Array, Uint8Array];
    const m = await measureEif(bytesSource(buildEif(parts)));
    expect(m.pcrs).toEqual({
      PCR0: opensslPcr('pcr0', [parts.kernel, parts.cmdline, boot, app1, app2]),
      PCR1: opensslPcr('pcr1', [parts.kernel, parts.cmdline, boot]),
      PCR2: opensslPcr('pcr2', [app1, app2]),
    });
    expect(m.signed).toBe(false);
    expect(m.version).toBe(4);
    expect(m.sections.map((s) => s.type)).toEqual([
      'kernel',
      'cmdline',
      'metadata',
      'ramdisk',
      'ramdisk',
      'ramdisk',
    ]);
    expect(m.crc32.checked).toBe(true);
    expect(m.cmdline).toBe(parts.cmdline);
  });

  it('one ramdisk: PCR2 is the measurement of nothing; metadata is not measured', async () => {
    const one = { ...parts, ramdisks: [parts.ramdisks[0] as Uint8Array] };
    const a = await measureEif(bytesSource(buildEif(one)));
    const metadata = { ...DEFAULT_METADATA, ImageVersion: '2', CustomMetadata: { built: 'later' } };
    const b = await measureEif(bytesSource(buildEif({ ...one, metadata })));
    expect(a.pcrs.PCR2).toBe(opensslPcr('empty', []));
    expect(b.pcrs).toEqual(a.pcrs);
  });

  it('the application ramdisks change PCR0 and PCR2 but not PCR1', async () => {
    const a = await measureEif(bytesSource(buildEif(parts)));
    const changed = [...parts.ramdisks.slice(0, 2), new Uint8Array(200_000).fill(0x5b)];
    const b = await measureEif(bytesSource(buildEif({ ...parts, ramdisks: changed })));
    expect(b.pcrs.PCR1).toBe(a.pcrs.PCR1);
    expect(b.pcrs.PCR0).not.toBe(a.pcrs.PCR0);
    expect(b.pcrs.PCR2).not.toBe(a.pcrs.PCR2);
  });

  it('reads a version 3 image without metadata', async () => {
    const m = await measureEif(bytesSource(buildEif({ ...parts, version: 3, metadata: null })));
    expect(m.metadata).toBeUndefined();
    expect(m.pcrs.PCR0).toBe((await measureEif(bytesSource(buildEif(parts)))).pcrs.PCR0);
  });
});

describe('measureEif: damaged images', () => {
  const good = buildEif(parts);

  it('bad magic', async () => {
    const bad = good.slice();
    bad[0] = 0x2f;
    expect(await codeOf(bad)).toBe('EIF_BAD_MAGIC');
    expect(await codeOf(new TextEncoder().encode('hello'))).toBe('EIF_BAD_MAGIC');
  });

  it('truncated in the header, in a section header, and in section data', async () => {
    expect(await codeOf(good.subarray(0, 300))).toBe('EIF_TRUNCATED');
    expect(await codeOf(good.subarray(0, 548 + 5))).toBe('EIF_TRUNCATED');
    expect(await codeOf(good.subarray(0, good.length - 1))).toBe('EIF_TRUNCATED');
  });

  it('a flipped byte in a ramdisk: CRC mismatch, reported with both values', async () => {
    const bad = good.slice();
    bad[bad.length - 10] = (bad[bad.length - 10] ?? 0) ^ 1;
    const error = await measureEif(bytesSource(bad)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EIF_CRC_MISMATCH' });
    expect((error as { details: { stored: string; computed: string } }).details.stored).toMatch(
      /^[0-9a-f]{8}$/,
    );
  });

  it('an unknown section type', async () => {
    const bad = good.slice();
    bad[548 + 1] = 9; // the kernel's section type
    expect(await codeOf(fixCrc(bad))).toBe('EIF_UNKNOWN_SECTION');
    bad[548 + 1] = 0;
    expect(await codeOf(fixCrc(bad))).toBe('EIF_UNKNOWN_SECTION');
  });

  it('a section whose size runs past the end of the file', async () => {
    const bad = Buffer.from(good);
    bad.writeBigUInt64BE(BigInt(good.length), 548 + 4);
    expect(await codeOf(fixCrc(new Uint8Array(bad)))).toBe('EIF_TRUNCATED');
  });

  it('a header section table that disagrees with the sections, or a wrong section count', async () => {
    const offsets = Buffer.from(good);
    offsets.writeBigUInt64BE(12n, 28 + 8);
    expect(await codeOf(fixCrc(new Uint8Array(offsets)))).toBe('EIF_MALFORMED');
    const count = Buffer.from(good);
    count.writeUInt16BE(5, 26);
    expect(await codeOf(fixCrc(new Uint8Array(count)))).toBe('EIF_MALFORMED');
    count.writeUInt16BE(40, 26);
    expect(await codeOf(fixCrc(new Uint8Array(count)))).toBe('EIF_MALFORMED');
  });

  it('trailing garbage and an image without a ramdisk', async () => {
    expect(await codeOf(fixCrc(new Uint8Array(Buffer.concat([good, Buffer.from('xyz')]))))).toBe(
      'EIF_TRUNCATED',
    );
    expect(await codeOf(buildEif({ ...parts, ramdisks: [] }))).toBe('EIF_MALFORMED');
  });

  it('metadata that is not nitro-cli JSON', async () => {
    expect(await codeOf(buildEif({ ...parts, metadata: { ImageName: 'only this' } }))).toBe(
      'EIF_METADATA_INVALID',
    );
  });
});
