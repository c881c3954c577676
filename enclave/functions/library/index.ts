import type { AnyMpcFunction } from '../types.js';
import { firstPriceAuctionFunction } from './auction-first-price.js';
import { secondPriceAuctionFunction } from './auction-second-price.js';
import { countFunction } from './count.js';
import { equalityFunction } from './equality.js';
import { histogramFunction } from './histogram.js';
import { maxFunction } from './max.js';
import { meanFunction } from './mean.js';
import { medianFunction } from './median.js';
import { minFunction } from './min.js';
import { olsFunction } from './ols.js';
import { psiFunction } from './psi.js';
import { quantilesFunction } from './quantiles.js';
import { setOverlapFunction } from './set-overlap.js';
import { sha256ConcatFunction } from './sha256-concat.js';
import { shamirEncryptFunction } from './shamir-encrypt.js';
import { shamirSignFunction } from './shamir-sign.js';
import { sumFunction } from './sum.js';
import { voteTallyFunction } from './vote-tally.js';

export {
  countFunction,
  equalityFunction,
  firstPriceAuctionFunction,
  histogramFunction,
  maxFunction,
  meanFunction,
  medianFunction,
  minFunction,
  olsFunction,
  psiFunction,
  quantilesFunction,
  secondPriceAuctionFunction,
  setOverlapFunction,
  sha256ConcatFunction,
  shamirEncryptFunction,
  shamirSignFunction,
  sumFunction,
  voteTallyFunction,
};

/** Every function this enclave can run. */
export const LIBRARY: readonly AnyMpcFunction[] = [
  sumFunction,
  meanFunction,
  medianFunction,
  minFunction,
  maxFunction,
  countFunction,
  histogramFunction,
  quantilesFunction,
  equalityFunction,
  firstPriceAuctionFunction,
  secondPriceAuctionFunction,
  voteTallyFunction,
  psiFunction,
  setOverlapFunction,
  sha256ConcatFunction,
  shamirSignFunction,
  shamirEncryptFunction,
  olsFunction,
];
