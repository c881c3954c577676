import type { PartyId, PartyInputs } from '../types.js';

export interface RankedBid {
  readonly partyId: PartyId;
  readonly amount: bigint;
}

/**
 * Bids at or above the reserve, highest first. Equal bids are ordered by party id in UTF-16 code-unit order, so
 * a tie goes to the party whose id sorts first: fixed by the manifest before anyone bids, and the same in every run.
 */
export function rankBids(inputs: PartyInputs<{ bid: string }>, reserve: bigint): RankedBid[] {
  const bids: RankedBid[] = [];
  for (const [partyId, input] of inputs) {
    const amount = BigInt(input.bid);
    if (amount >= reserve) bids.push({ partyId, amount });
  }
  return bids.sort((a, b) =>
    a.amount !== b.amount
      ? a.amount > b.amount
        ? -1
        : 1
      : a.partyId < b.partyId
        ? -1
        : a.partyId > b.partyId
          ? 1
          : 0,
  );
}
