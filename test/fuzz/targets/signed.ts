/** Approvals (verifyApproval) and signed requests (verifyRequest), from the request bytes a party sends. */
import { CborFormatError, decodeStrictCbor } from '../../../common/cbor/index.js';
import {
  findParty,
  ProtocolError,
  parsePartyRequest,
  RequestNonceCache,
  verifyApproval,
  verifyRequest,
} from '../../../protocol/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'signed';
const refusals = [
  { type: CborFormatError },
  {
    type: ProtocolError,
    codes: ['MESSAGE_INVALID', 'APPROVAL_INVALID', 'SIGNATURE_INVALID', 'KEY_INVALID', 'REQUEST_REPLAYED'],
  },
];

export const signedTarget: FuzzTarget = {
  name,
  parser: 'protocol/manifest verifyApproval, protocol/messages verifyRequest',
  async seeds() {
    const f = await protocolFixtures();
    return [...f.approveRequests, ...f.signedRequests];
  },
  async run(bytes) {
    const { manifest, now } = await protocolFixtures();
    refusedOrValidSync(name, refusals, () => {
      const request = parsePartyRequest(decodeStrictCbor(bytes));
      if (request.type === 'approve') {
        const partyId = verifyApproval(manifest, request.approval);
        check(
          name,
          partyId === request.approval.partyId && findParty(manifest, partyId) !== undefined,
          'approval by a stranger',
        );
        return;
      }
      if (!('auth' in request)) return;
      const party = findParty(manifest, request.auth.partyId);
      if (party === undefined) return;
      verifyRequest(request, party.signingKey, { now, nonces: new RequestNonceCache() });
    });
  },
};
