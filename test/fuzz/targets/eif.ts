/**
 * parent/eif readEifMeasurement on image bytes: header, section walk, metadata JSON, signature section (CBOR,
 * PEM certificate, COSE_Sign1). Each input is read twice, as is and with its CRC fixed, so that mutations also get
 * past the CRC to the structure behind it.
 */
import { derToPem } from '../../../attestation/index.js';
import { assertCrc, bytesSource, EifError, readEifMeasurement } from '../../../parent/eif/index.js';
import { buildEif, fixCrc } from '../../eif/build-eif.js';
import { issueCertificate } from '../../helpers/pki.js';
import { type FuzzTarget, refusedOrValid } from '../support/target.js';

const name = 'eif';
const DAY = 86_400_000;
const text = (s: string) => new TextEncoder().encode(s);

export const eifTarget: FuzzTarget = {
  name,
  parser: 'parent/eif readEifMeasurement, assertCrc',
  async seeds() {
    const now = Date.now();
    const signer = await issueCertificate({
      subject: 'CN=fuzz signer',
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 365 * DAY),
    });
    const parts = { kernel: text('kernel'), cmdline: 'console=ttyS0', ramdisks: [text('boot'), text('app')] };
    return [
      buildEif(parts),
      buildEif({ ...parts, metadata: null, version: 3 }),
      buildEif({ ...parts, sign: { certificatePem: derToPem(signer.der), privateKey: signer.privateKey } }),
    ];
  },
  async run(bytes) {
    for (const image of bytes.length >= 548 ? [bytes, fixCrc(bytes)] : [bytes]) {
      await refusedOrValid(name, [{ type: EifError }], async () => {
        const measurement = await readEifMeasurement(bytesSource(image));
        assertCrc(measurement);
      });
    }
  },
};
