import { z } from 'zod';
import { moneyAmount } from '../schemas.js';

export const auctionParameters = z.strictObject({ reservePrice: moneyAmount.default('0') });
export const auctionInput = z.strictObject({ bid: moneyAmount });
/** Losing bids are never part of the output; no winner when no bid reaches the reserve. */
export const auctionOutput = z.strictObject({ winner: z.string().nullable(), price: moneyAmount.nullable() });

export const winnerOnlyView = {
  summary: 'who won, not the price',
  select: (output: z.output<typeof auctionOutput>) => ({ winner: output.winner }),
};
