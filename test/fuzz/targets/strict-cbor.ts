/** common/cbor: the strict decoder every format runs first, and the canonical decoder behind signed bytes. */
import { bytesEqual } from '../../../common/bytes.js';
import {
  CborFormatError,
  decodeCanonicalCbor,
  decodeStrictCbor,
  encodeCanonicalCbor,
} from '../../../common/cbor/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'strict-cbor';
const refusals = [{ type: CborFormatError }];

export const strictCborTarget: FuzzTarget = {
  name,
  parser: 'common/cbor decodeStrictCbor, decodeCanonicalCbor',
  async seeds() {
    const f = await protocolFixtures();
    return [
      f.manifestBytes,
      f.receipt,
      f.certificate,
      ...f.approveRequests,
      ...f.signedRequests,
      ...f.submitRequests,
      Uint8Array.of(0xbf, 0x61, 0x61, 0x01, 0xff),
      Uint8Array.of(0x5f, 0x41, 0x00, 0x41, 0x01, 0xff),
      Uint8Array.of(0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0),
    ];
  },
  run(bytes) {
    const strict = refusedOrValidSync(name, refusals, () => decodeStrictCbor(bytes));
    const canonical = refusedOrValidSync(name, refusals, () => decodeCanonicalCbor(bytes));
    if (canonical === undefined) return;
    check(name, strict !== undefined, 'canonical bytes the strict decoder refuses');
    check(
      name,
      bytesEqual(encodeCanonicalCbor(canonical), bytes),
      'canonical decode does not re-encode to the same bytes',
    );
  },
};
