import { describe } from 'vitest';
import { fuzzes } from './support/property.js';
import { functionInputTarget } from './targets/function-input.js';
import { hpkeEnvelopeTarget, hpkeStreamTarget } from './targets/hpke.js';
import { manifestTarget } from './targets/manifest.js';
import { partyRequestTarget } from './targets/party-request.js';
import { receiptTarget } from './targets/receipt.js';
import { signedTarget } from './targets/signed.js';

describe('fuzzing the protocol parsers, from the bytes a party or the parent sends', () => {
  fuzzes(partyRequestTarget, 600);
  fuzzes(manifestTarget, 300);
  fuzzes(signedTarget, 400);
  fuzzes(hpkeEnvelopeTarget, 400);
  fuzzes(hpkeStreamTarget, 400);
  fuzzes(receiptTarget, 200);
  fuzzes(functionInputTarget, 1000);
});
