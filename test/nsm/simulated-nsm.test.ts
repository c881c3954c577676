/** The simulated NSM as the enclave uses it: documents the verifier accepts, and the NSM's own semantics. */
import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAttestationDocument, verifyAttestationDocument } from '../../attestation/index.js';
import type { Nsm } from '../../enclave/nsm/index.js';
import {
  createSimulatedNsm,
  createSimulatedNsmDevice,
  MODULE_ID_PATTERN,
  measureEnclaveBundle,
  measureInstanceId,
  type SimulatedNsm,
} from '../../simulator/nsm/index.js';
import { readVector } from '../helpers/vectors.js';
import { documentParts, hex, rejectionCode, stateDirs } from './fixtures.js';

const newStateDir = stateDirs();
const BUNDLE = new TextEncoder().encode('enclave app v1');
const OTHER_BUNDLE = new TextEncoder().encode('enclave app v2');

let stateDir: string;
let nsm: SimulatedNsm;

beforeAll(async () => {
  stateDir = newStateDir();
  nsm = await createSimulatedNsm({ stateDir, bundle: BUNDLE });
});

function policyPcrs(sim: SimulatedNsm, indexes: readonly number[] = [0, 1, 2]): Record<number, string> {
  return Object.fromEntries(indexes.map((i) => [i, sim.bootPcrs[i] as string]));
}

describe('documents and the verifier', () => {
  it('pass verification with the simulator root and the enclave PCRs as policy', async () => {
    const nonce = Uint8Array.of(1, 2, 3);
    const document = await nsm.attest({ nonce });
    const verified = await verifyAttestationDocument(document, {
      roots: [nsm.rootCertificate.der],
      pcrs: policyPcrs(nsm, [0, 1, 2, 3, 4, 8]),
      nonce,
      maxAgeMs: 60_000,
    });
    expect(verified.moduleId).toBe(nsm.moduleId);
    expect(verified.path).toHaveLength(5);
    // The PEM form works as a root too.
    await verifyAttestationDocument(document, { roots: [nsm.rootCertificate.pem] });
  });

  it('are refused with ATTESTATION_ROOT_UNTRUSTED without the simulator root', async () => {
    const document = await nsm.attest();
    expect(await rejectionCode(verifyAttestationDocument(document))).toBe('ATTESTATION_ROOT_UNTRUSTED');
    const other = await createSimulatedNsm({ stateDir: newStateDir(), bundle: BUNDLE });
    expect(
      await rejectionCode(verifyAttestationDocument(document, { roots: [other.rootCertificate.der] })),
    ).toBe('ATTESTATION_ROOT_UNTRUSTED');
  });

  it('carry the requested fields, 16 PCRs of 48 bytes and the 4-certificate bundle', async () => {
    const fields = {
      userData: Uint8Array.of(9, 9),
      nonce: new Uint8Array(32).fill(1),
      publicKey: Uint8Array.of(0x30, 0),
    };
    const document = await nsm.attest(fields);
    const decoded = decodeAttestationDocument(document).document;
    expect(decoded.moduleId).toBe(nsm.moduleId);
    expect(decoded.moduleId).toMatch(MODULE_ID_PATTERN);
    expect(decoded.digest).toBe('SHA384');
    expect([decoded.userData, decoded.nonce, decoded.publicKey]).toEqual([
      fields.userData,
      fields.nonce,
      fields.publicKey,
    ]);
    expect([...decoded.pcrs.keys()]).toEqual([...Array(16).keys()]);
    expect([...decoded.pcrs.values()].every((v) => v.byteLength === 48)).toBe(true);
    expect(Object.fromEntries([...decoded.pcrs].map(([i, v]) => [i, hex(v)]))).toEqual(nsm.bootPcrs);
    expect(decoded.cabundle).toHaveLength(4);
    expect(decoded.cabundle[0]).toEqual(nsm.rootCertificate.der);
  });

  it('leave absent fields null, as the NSM does', async () => {
    const { fields } = documentParts(await nsm.attest());
    expect([fields.get('public_key'), fields.get('user_data'), fields.get('nonce')]).toEqual([
      null,
      null,
      null,
    ]);
  });

  it('have the envelope and key order of real documents', async () => {
    const simulated = documentParts(await nsm.attest({ nonce: Uint8Array.of(1) }));
    const real = documentParts(readVector('aws-2024-09-07-nonce-user-data.cbor'));
    const document = await nsm.attest();
    expect(document[0]).toBe(0x84); // untagged COSE_Sign1, as /dev/nsm returns it
    expect(hex(simulated.protectedHeader)).toBe(hex(real.protectedHeader)); // {1: -35}
    expect(simulated.unprotectedHeader).toEqual(real.unprotectedHeader); // {}
    expect(simulated.signature).toHaveLength(96);
    expect([...simulated.fields.keys()]).toEqual([...real.fields.keys()]);
    expect(typeof simulated.fields.get('timestamp')).toBe(typeof real.fields.get('timestamp'));
    expect(simulated.payload[0]).toBe(real.payload[0]);
  });

  it('can use the indefinite-length payload map of newer firmware', async () => {
    const sim = await createSimulatedNsm({ stateDir, bundle: BUNDLE, payloadEncoding: 'indefinite' });
    const document = await sim.attest();
    expect(documentParts(document).payload[0]).toBe(0xbf);
    await verifyAttestationDocument(document, { roots: [sim.rootCertificate.der] });
  });

  it('each get a fresh leaf certificate and key', async () => {
    const first = decodeAttestationDocument(await nsm.attest()).document;
    const second = decodeAttestationDocument(await nsm.attest()).document;
    expect(hex(first.certificate)).not.toBe(hex(second.certificate));
    expect(first.cabundle.map(hex)).toEqual(second.cabundle.map(hex));
    const key = (der: Uint8Array) => new X509Certificate(der).publicKey.export({ format: 'jwk' });
    expect(key(first.certificate)).not.toEqual(key(second.certificate));
  });

  it('are dated by the clock', async () => {
    const at = Date.parse('2031-05-06T07:08:09.123Z');
    const sim = await createSimulatedNsm({ stateDir: newStateDir(), clock: () => at });
    const document = await sim.attest();
    expect(decodeAttestationDocument(document).document.timestamp).toBe(at);
    await verifyAttestationDocument(document, { roots: [sim.rootCertificate.der], at: 'document' });
  });
});

describe('PCRs', () => {
  it('PCR0 and PCR2 measure the bundle; PCR1 (kernel, bootstrap) does not depend on it', async () => {
    const other = await createSimulatedNsm({ stateDir, bundle: OTHER_BUNDLE });
    expect(other.bootPcrs[0]).not.toBe(nsm.bootPcrs[0]);
    expect(other.bootPcrs[2]).not.toBe(nsm.bootPcrs[2]);
    expect(other.bootPcrs[1]).toBe(nsm.bootPcrs[1]);
    const measured = measureEnclaveBundle(BUNDLE);
    expect([nsm.bootPcrs[0], nsm.bootPcrs[1], nsm.bootPcrs[2]]).toEqual([
      hex(measured.pcr0),
      hex(measured.pcr1),
      hex(measured.pcr2),
    ]);
    // A policy for one bundle refuses the other's documents.
    const error = await rejectionCode(
      verifyAttestationDocument(await other.attest(), {
        roots: [nsm.rootCertificate.der],
        pcrs: policyPcrs(nsm),
      }),
    );
    expect(error).toBe('ATTESTATION_PCR_MISMATCH');
  });

  it('are derived as documented: extend(0, SHA-384(...)) chains', () => {
    const sha384 = (...parts: Uint8Array[]) => createHash('sha384').update(Buffer.concat(parts)).digest();
    const extendZero = (data: Uint8Array) => sha384(new Uint8Array(48), sha384(data));
    const boot = new TextEncoder().encode(
      'nitro-mpc simulator: stand-in for the Nitro Enclaves kernel, init and boot ramdisk, v1',
    );
    expect(hex(measureEnclaveBundle(BUNDLE).pcr2)).toBe(hex(extendZero(BUNDLE)));
    expect(hex(measureEnclaveBundle(BUNDLE).pcr1)).toBe(hex(extendZero(boot)));
    expect(hex(measureEnclaveBundle(BUNDLE).pcr0)).toBe(hex(extendZero(Buffer.concat([boot, BUNDLE]))));
    expect(hex(measureInstanceId('i-0123456789abcdef0'))).toBe(
      hex(extendZero(Buffer.from('i-0123456789abcdef0'))),
    );
  });

  it('debug mode zeroes PCR0..2; the verifier refuses it unless allowDebug', async () => {
    const debug = await createSimulatedNsm({ stateDir, bundle: BUNDLE, debug: true });
    const document = await debug.attest();
    const { pcrs } = decodeAttestationDocument(document).document;
    for (const i of [0, 1, 2]) expect(hex(pcrs.get(i) as Uint8Array)).toBe('00'.repeat(48));
    expect(hex(pcrs.get(4) as Uint8Array)).toBe(nsm.bootPcrs[4]);
    const roots = [debug.rootCertificate.der];
    expect(await rejectionCode(verifyAttestationDocument(document, { roots }))).toBe(
      'ATTESTATION_DEBUG_ENCLAVE',
    );
    await verifyAttestationDocument(document, { roots, allowDebug: true });
  });

  it('PCR3, PCR4 and PCR8 are configurable; PCR4 defaults to the instance; the rest are zero', async () => {
    const pcr3 = new Uint8Array(48).fill(3);
    const pcr8 = 'ab'.repeat(48);
    const sim = await createSimulatedNsm({ stateDir, bundle: BUNDLE, pcrs: { 3: pcr3, 8: pcr8 } });
    const { pcrs } = decodeAttestationDocument(await sim.attest()).document;
    expect(hex(pcrs.get(3) as Uint8Array)).toBe(hex(pcr3));
    expect(hex(pcrs.get(4) as Uint8Array)).toBe(hex(measureInstanceId(sim.instanceId)));
    expect(hex(pcrs.get(8) as Uint8Array)).toBe(pcr8);
    for (const i of [5, 6, 7, 9, 10, 11, 12, 13, 14, 15])
      expect(hex(pcrs.get(i) as Uint8Array)).toBe('00'.repeat(48));
    const pcr4 = `0x${'44'.repeat(48)}`;
    const custom = await createSimulatedNsm({ stateDir, pcrs: { 4: pcr4 } });
    expect(custom.bootPcrs[4]).toBe('44'.repeat(48));
    expect(nsm.bootPcrs[3]).toBe('00'.repeat(48));
  });
});

describe('NSM semantics', () => {
  let sim: Nsm;
  beforeAll(async () => {
    sim = await createSimulatedNsm({ stateDir, bundle: BUNDLE });
  });

  it('describe() reports the module, 32 PCRs of SHA-384, PCR0..15 locked', async () => {
    const described = await sim.describe();
    expect(described).toMatchObject({ maxPcrs: 32, digest: 'SHA384', lockedPcrs: [...Array(16).keys()] });
    expect(described.moduleId).toMatch(MODULE_ID_PATTERN);
  });

  it('extendPcr sets PCR = SHA-384(PCR || data) on PCR16..31', async () => {
    const data = Uint8Array.of(1, 2, 3);
    const once = createHash('sha384').update(new Uint8Array(48)).update(data).digest();
    const twice = createHash('sha384').update(once).update(data).digest();
    expect(hex(await sim.extendPcr(20, data))).toBe(hex(once));
    expect(hex(await sim.extendPcr(20, data))).toBe(hex(twice));
    expect(await sim.describePcr(20)).toEqual({ locked: false, value: new Uint8Array(twice) });
  });

  it('refuses to extend or re-lock the boot PCRs (PCR0..15)', async () => {
    expect(await rejectionCode(sim.extendPcr(0, Uint8Array.of(1)))).toBe('NSM_PCR_LOCKED');
    expect(await rejectionCode(sim.extendPcr(15, Uint8Array.of(1)))).toBe('NSM_PCR_LOCKED');
    expect(await rejectionCode(sim.lockPcr(3))).toBe('NSM_PCR_LOCKED');
    expect((await sim.describePcr(0)).locked).toBe(true);
  });

  it('a locked PCR refuses extension and appears in later documents', async () => {
    const value = await sim.extendPcr(17, new TextEncoder().encode('session policy'));
    await sim.lockPcr(17);
    await sim.lockPcr(17); // locking again is harmless, as LockPCRs over locked PCRs is on Nitro
    expect(await rejectionCode(sim.extendPcr(17, Uint8Array.of(1)))).toBe('NSM_PCR_LOCKED');
    expect(await sim.describePcr(17)).toEqual({ locked: true, value });
    expect((await sim.describe()).lockedPcrs).toContain(17);
    const { pcrs } = decodeAttestationDocument(await sim.attest()).document;
    expect(hex(pcrs.get(17) as Uint8Array)).toBe(hex(value));
    expect(pcrs.has(20)).toBe(false); // extended but unlocked: not in the document
  });

  it('refuses indexes beyond the bank with NSM_INVALID_INDEX', async () => {
    expect(await rejectionCode(sim.describePcr(32))).toBe('NSM_INVALID_INDEX');
    expect(await rejectionCode(sim.extendPcr(40, Uint8Array.of(1)))).toBe('NSM_INVALID_INDEX');
    expect(await rejectionCode(sim.lockPcr(32))).toBe('NSM_INVALID_INDEX');
    expect(await rejectionCode(sim.lockPcrs(33))).toBe('NSM_INVALID_INDEX');
  });

  it('lockPcrs(range) locks PCR0..range-1', async () => {
    const other = await createSimulatedNsm({ stateDir, bundle: BUNDLE });
    await other.extendPcr(25, Uint8Array.of(1));
    await other.lockPcrs(24);
    expect(await rejectionCode(other.extendPcr(23, Uint8Array.of(1)))).toBe('NSM_PCR_LOCKED');
    await other.extendPcr(24, Uint8Array.of(1));
    await other.lockPcrs(32);
    expect(await rejectionCode(other.extendPcr(31, Uint8Array.of(1)))).toBe('NSM_PCR_LOCKED');
    expect((await other.describe()).lockedPcrs).toEqual([...Array(32).keys()]);
  });

  it('getRandom returns the length asked for, different each time', async () => {
    const [a, b] = [await sim.getRandom(1000), await sim.getRandom(1000)];
    expect(a).toHaveLength(1000);
    expect(hex(a)).not.toBe(hex(b));
  });
});

describe('limits', () => {
  it('accepts 1024 bytes each of user_data, nonce and public_key, as real documents carry', async () => {
    const full = new Uint8Array(1024).fill(0x5a);
    const document = await nsm.attest({ userData: full, nonce: full, publicKey: full });
    const decoded = decodeAttestationDocument(document).document;
    expect([decoded.userData?.byteLength, decoded.nonce?.byteLength, decoded.publicKey?.byteLength]).toEqual([
      1024, 1024, 1024,
    ]);
    await verifyAttestationDocument(document, {
      roots: [nsm.rootCertificate.der],
      nonce: full,
      userData: full,
    });
  });

  it.each(['userData', 'nonce', 'publicKey'] as const)(
    'refuses 1025 bytes of %s with NSM_INPUT_TOO_LARGE',
    async (field) => {
      expect(await rejectionCode(nsm.attest({ [field]: new Uint8Array(1025) }))).toBe('NSM_INPUT_TOO_LARGE');
    },
  );

  it('refuses requests over the driver limit with NSM_INPUT_TOO_LARGE', async () => {
    expect(await rejectionCode(nsm.extendPcr(16, new Uint8Array(5000)))).toBe('NSM_INPUT_TOO_LARGE');
  });
});

describe('lifecycle and options', () => {
  it('fails with NSM_CLOSED after close', async () => {
    const sim = await createSimulatedNsm({ stateDir });
    await sim.close();
    expect(await rejectionCode(sim.attest())).toBe('NSM_CLOSED');
  });

  it('refuses unusable options with NSM_SIMULATOR_OPTIONS_INVALID', async () => {
    const bad: ReadonlyArray<Parameters<typeof createSimulatedNsm>[0]> = [
      { stateDir: '' },
      { stateDir, pcrs: { 3: new Uint8Array(32) } },
      { stateDir, pcrs: { 8: 'zz'.repeat(48) } },
      { stateDir, region: 'mars' },
      { stateDir, clock: 42 as unknown as () => number },
      { stateDir, ...({ pcrs: { 0: new Uint8Array(48) } } as object) },
      { stateDir, ...({ unknown: true } as object) },
    ];
    for (const options of bad) {
      expect(await rejectionCode(createSimulatedNsm(options))).toBe('NSM_SIMULATOR_OPTIONS_INVALID');
    }
    expect(await rejectionCode(createSimulatedNsm({ stateDir, clock: () => Number.NaN }))).toBe(
      'NSM_SIMULATOR_OPTIONS_INVALID',
    );
  });
});

describe('the simulated device speaks the NSM protocol', () => {
  const text = (s: string) => (0x60 + s.length).toString(16) + Buffer.from(s).toString('hex');
  const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

  it('answers raw CBOR requests with raw CBOR responses', async () => {
    const { device, facts } = await createSimulatedNsmDevice({ stateDir, bundle: BUNDLE });
    // {"DescribePCR": {"index": 0}} -> {"DescribePCR": {"lock": true, "data": h'<PCR0>'}}
    const response = await device.exchange(bytes(`a1 ${text('DescribePCR')} a1 ${text('index')} 00`));
    expect(hex(response)).toBe(
      `a1${text('DescribePCR')}a2${text('lock')}f5${text('data')}5830${facts.bootPcrs[0]}`.replace(
        /\s+/g,
        '',
      ),
    );
    // {"LockPCR": {"index": 16}} -> "LockPCR"
    expect(hex(await device.exchange(bytes(`a1 ${text('LockPCR')} a1 ${text('index')} 10`)))).toBe(
      text('LockPCR'),
    );
  });

  it('answers a request it cannot parse with {"Error": "InvalidArgument"}', async () => {
    const { device } = await createSimulatedNsmDevice({ stateDir });
    const invalidArgument = `a1${text('Error')}${text('InvalidArgument')}`;
    expect(hex(await device.exchange(bytes('ff')))).toBe(invalidArgument);
    expect(hex(await device.exchange(bytes(text('Reboot'))))).toBe(invalidArgument);
    expect(await rejectionCode(device.exchange(new Uint8Array(4097)))).toBe('NSM_INPUT_TOO_LARGE');
  });
});
