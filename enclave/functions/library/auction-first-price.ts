import { defineFunction } from '../define.js';
import { rankBids } from './auction-ranking.js';
import { auctionInput, auctionOutput, auctionParameters, winnerOnlyView } from './auction-schemas.js';

export const firstPriceAuctionFunction = defineFunction({
  id: 'auction-first-price',
  version: '1.0.0',
  summary:
    'Sealed-bid first-price auction: the highest bid wins and pays its bid; ties go to the first party id.',
  parameters: auctionParameters,
  input: auctionInput,
  output: auctionOutput,
  parties: { min: 1, max: 4096 },
  evaluate(params, inputs) {
    const [top] = rankBids(inputs, BigInt(params.reservePrice));
    return top ? { winner: top.partyId, price: top.amount.toString() } : { winner: null, price: null };
  },
  views: { winner: winnerOnlyView },
  helpers: [rankBids],
});
