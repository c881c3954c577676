import { z } from 'zod';
import { defineFunction } from '../define.js';
import { FunctionError } from '../errors.js';
import { partiesInOrder } from '../support/party-order.js';

const parameters = z.strictObject({
  choices: z
    .array(z.string().min(1).max(256))
    .min(2)
    .max(256)
    .refine((choices) => new Set(choices).size === choices.length, 'choices must be distinct'),
});

const tallyOutput = z.strictObject({
  /** One entry per agreed choice, in the agreed order. */
  tally: z.array(z.strictObject({ choice: z.string(), votes: z.number().int().nonnegative() })),
  /** Every choice with the most votes, in the agreed order: several on a tie. */
  leaders: z.array(z.string()),
});

export const voteTallyFunction = defineFunction({
  id: 'vote-tally',
  version: '1.0.0',
  summary: 'Votes per agreed choice and the leading choices; never who voted for what.',
  parameters,
  input: z.strictObject({ choice: z.string().min(1).max(256) }),
  output: tallyOutput,
  parties: { min: 1, max: 65_536 },
  evaluate(params, inputs) {
    const votes = new Map<string, number>(params.choices.map((choice) => [choice, 0]));
    for (const [partyId, input] of partiesInOrder(inputs)) {
      const current = votes.get(input.choice);
      if (current === undefined) {
        throw new FunctionError(
          'FUNCTION_INPUT_INVALID',
          `the vote from ${partyId} is not one of the agreed choices`,
          {
            details: { partyId },
          },
        );
      }
      votes.set(input.choice, current + 1);
    }
    const tally = params.choices.map((choice) => ({ choice, votes: votes.get(choice) ?? 0 }));
    const most = Math.max(...tally.map((entry) => entry.votes));
    return { tally, leaders: tally.filter((entry) => entry.votes === most).map((entry) => entry.choice) };
  },
  views: {
    leaders: {
      summary: 'the leading choices only',
      select: (output: z.output<typeof tallyOutput>) => ({ leaders: output.leaders }),
    },
  },
  helpers: [partiesInOrder],
});
