/** protocol/manifest decodeManifest: canonical CBOR, schema, references. */
import { bytesEqual } from '../../../common/bytes.js';
import { decodeManifest, encodeManifest, ProtocolError } from '../../../protocol/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'manifest';
const refusals = [{ type: ProtocolError, codes: ['MANIFEST_INVALID', 'MANIFEST_NOT_CANONICAL'] }];

export const manifestTarget: FuzzTarget = {
  name,
  parser: 'protocol/manifest decodeManifest',
  async seeds() {
    return [(await protocolFixtures()).manifestBytes];
  },
  run(bytes) {
    const manifest = refusedOrValidSync(name, refusals, () => decodeManifest(bytes));
    if (manifest === undefined) return;
    check(
      name,
      bytesEqual(encodeManifest(manifest), bytes),
      'an accepted manifest re-encodes to other bytes',
    );
  },
};
