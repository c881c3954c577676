import { describe, expect, it } from 'vitest';
import {
  equalityFunction,
  FULL_VIEW,
  firstPriceAuctionFunction,
  secondPriceAuctionFunction,
  selectView,
  voteTallyFunction,
} from '../../enclave/functions/index.js';
import { codeOf, run } from './support.js';

describe('equality', () => {
  it('says whether every input is the same', async () => {
    expect(await run(equalityFunction, {}, { a: 'x', b: 'x', c: 'x' })).toEqual({ equal: true });
    expect(await run(equalityFunction, {}, { a: 'x', b: 'y' })).toEqual({ equal: false });
    expect(await run(equalityFunction, {}, { a: Uint8Array.of(1, 2), b: Uint8Array.of(1, 2) })).toEqual({
      equal: true,
    });
    expect(await run(equalityFunction, {}, { a: 'a', b: Uint8Array.of(0x61) })).toEqual({ equal: false });
    expect(await codeOf(run(equalityFunction, {}, { a: 'x' }))).toBe('FUNCTION_PARTIES_INVALID');
  });
});

describe('auctions', () => {
  const bids = { carol: { bid: '700' }, alice: { bid: '900' }, bob: { bid: '800' } };

  it('first price: the highest bid wins and pays its bid', async () => {
    expect(await run(firstPriceAuctionFunction, {}, bids)).toEqual({ winner: 'alice', price: '900' });
  });

  it('second price: the winner pays the second-highest bid, or the reserve alone', async () => {
    expect(await run(secondPriceAuctionFunction, {}, bids)).toEqual({ winner: 'alice', price: '800' });
    expect(await run(secondPriceAuctionFunction, { reservePrice: '750' }, { alice: { bid: '900' } })).toEqual(
      {
        winner: 'alice',
        price: '750',
      },
    );
    expect(
      await run(
        secondPriceAuctionFunction,
        { reservePrice: '750' },
        { a: { bid: '900' }, b: { bid: '700' } },
      ),
    ).toEqual({ winner: 'a', price: '750' });
  });

  it('breaks ties by the party id that sorts first, whatever the arrival order', async () => {
    const tied = { zed: { bid: '5' }, amy: { bid: '5' }, max: { bid: '4' } };
    expect(await run(firstPriceAuctionFunction, {}, tied)).toEqual({ winner: 'amy', price: '5' });
    expect(await run(secondPriceAuctionFunction, {}, tied)).toEqual({ winner: 'amy', price: '5' });
  });

  it('has no winner below the reserve, compares huge bids exactly, refuses non-integers', async () => {
    expect(await run(firstPriceAuctionFunction, { reservePrice: '1000' }, bids)).toEqual({
      winner: null,
      price: null,
    });
    const huge = { a: { bid: '90071992547409930' }, b: { bid: '90071992547409931' } };
    expect(await run(firstPriceAuctionFunction, {}, huge)).toEqual({
      winner: 'b',
      price: '90071992547409931',
    });
    for (const bid of ['-1', '1.5', '01', 5, '']) {
      expect(await codeOf(run(firstPriceAuctionFunction, {}, { a: { bid } }))).toBe('FUNCTION_INPUT_INVALID');
    }
  });

  it('offers a winner-only view', async () => {
    const output = await run(firstPriceAuctionFunction, {}, bids);
    expect(selectView(firstPriceAuctionFunction, output, 'winner')).toEqual({ winner: 'alice' });
    expect(selectView(firstPriceAuctionFunction, output, FULL_VIEW)).toEqual(output);
    expect(() => selectView(firstPriceAuctionFunction, output, 'bids')).toThrowError(
      expect.objectContaining({ code: 'FUNCTION_VIEW_UNKNOWN' }),
    );
  });
});

describe('vote tally', () => {
  const params = { choices: ['yes', 'no', 'abstain'] };

  it('tallies in the agreed order and lists every leader on a tie', async () => {
    const result = await run(voteTallyFunction, params, {
      a: { choice: 'yes' },
      b: { choice: 'no' },
      c: { choice: 'yes' },
    });
    expect(result).toEqual({
      tally: [
        { choice: 'yes', votes: 2 },
        { choice: 'no', votes: 1 },
        { choice: 'abstain', votes: 0 },
      ],
      leaders: ['yes'],
    });
    const tie = await run(voteTallyFunction, params, { a: { choice: 'no' }, b: { choice: 'yes' } });
    expect(tie.leaders).toEqual(['yes', 'no']);
    expect(selectView(voteTallyFunction, tie, 'leaders')).toEqual({ leaders: ['yes', 'no'] });
  });

  it('refuses a choice not agreed and duplicate choices', async () => {
    expect(await codeOf(run(voteTallyFunction, params, { a: { choice: 'maybe' } }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(voteTallyFunction, { choices: ['a', 'a'] }, { a: { choice: 'a' } }))).toBe(
      'FUNCTION_PARAMETERS_INVALID',
    );
  });
});
