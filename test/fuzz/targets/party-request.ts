/**
 * protocol/messages parsePartyRequest on a decoded frame body, then the session service itself: whatever a
 * request holds, the service answers it, with a code, and never with INTERNAL (an unexpected throw inside).
 */
import { CborFormatError, decodeStrictCbor } from '../../../common/cbor/index.js';
import { ProtocolError, parsePartyRequest } from '../../../protocol/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'party-request';
const refusals = [{ type: CborFormatError }, { type: ProtocolError, codes: ['MESSAGE_INVALID'] }];

export const partyRequestTarget: FuzzTarget = {
  name,
  parser: 'protocol/messages parsePartyRequest, enclave/sessions SessionService.handle',
  async seeds() {
    const f = await protocolFixtures();
    return [...f.approveRequests, ...f.signedRequests, ...f.submitRequests];
  },
  async run(bytes) {
    const body = refusedOrValidSync(name, [{ type: CborFormatError }], () => decodeStrictCbor(bytes));
    if (body === undefined) return;
    const request = refusedOrValidSync(name, refusals, () => parsePartyRequest(body));
    if (request === undefined || request.type === 'create-session') return;
    const { world } = await protocolFixtures();
    const response = await world.service.handle(body);
    check(
      name,
      !(response.type === 'error' && response.code === 'INTERNAL'),
      `the service failed inside on a ${request.type} request`,
    );
  },
};
