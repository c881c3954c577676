/** Every fuzz target, one per parser that reads bytes from outside. */
import type { FuzzTarget } from '../support/target.js';
import { attestationTarget } from './attestation.js';
import { cmsTarget } from './cms.js';
import { eifTarget } from './eif.js';
import { frameBodyTarget, frameStreamTarget } from './frames.js';
import { functionInputTarget } from './function-input.js';
import { hpkeEnvelopeTarget, hpkeStreamTarget } from './hpke.js';
import { manifestTarget } from './manifest.js';
import { partyRequestTarget } from './party-request.js';
import { receiptTarget } from './receipt.js';
import { setItemsTarget } from './set-items.js';
import { signedTarget } from './signed.js';
import { strictCborTarget } from './strict-cbor.js';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  strictCborTarget,
  frameBodyTarget,
  frameStreamTarget,
  partyRequestTarget,
  manifestTarget,
  signedTarget,
  hpkeEnvelopeTarget,
  hpkeStreamTarget,
  receiptTarget,
  attestationTarget,
  cmsTarget,
  eifTarget,
  setItemsTarget,
  functionInputTarget,
];
