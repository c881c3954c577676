import { defineFunction } from '../define.js';
import { rankBids } from './auction-ranking.js';
import { auctionInput, auctionOutput, auctionParameters, winnerOnlyView } from './auction-schemas.js';

export const secondPriceAuctionFunction = defineFunction({
  id: 'auction-second-price',
  version: '1.0.0',
  summary:
    'Sealed-bid second-price (Vickrey) auction: the highest bid wins and pays the second-highest bid, or the ' +
    'reserve when it is the only bid at or above it; ties go to the first party id and pay the tied amount.',
  parameters: auctionParameters,
  input: auctionInput,
  output: auctionOutput,
  parties: { min: 1, max: 4096 },
  evaluate(params, inputs) {
    const reserve = BigInt(params.reservePrice);
    const [top, second] = rankBids(inputs, reserve);
    if (!top) return { winner: null, price: null };
    return { winner: top.partyId, price: (second ? second.amount : reserve).toString() };
  },
  views: { winner: winnerOnlyView },
  helpers: [rankBids],
});
