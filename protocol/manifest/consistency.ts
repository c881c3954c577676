import type { z } from 'zod';
import type { manifestShape } from './schema.js';

type ManifestShape = z.infer<typeof manifestShape>;

function duplicates(values: readonly (string | number)[]): (string | number)[] {
  const seen = new Set<string | number>();
  const dup = new Set<string | number>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** Reference and consistency rules the shape alone cannot express; each problem as `path: message`. */
export function manifestProblems(m: ManifestShape): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string): void => {
    problems.push({ path, message });
  };
  const parties = new Map(m.parties.map((p) => [p.id, p]));
  for (const id of duplicates(m.parties.map((p) => p.id))) add(['parties'], `duplicate party id "${id}"`);
  for (const name of duplicates(m.inputs.map((i) => i.name)))
    add(['inputs'], `duplicate input name "${name}"`);
  m.inputs.forEach((input, i) => {
    if (!parties.has(input.provider)) add(['inputs', i, 'provider'], `"${input.provider}" is not a party`);
  });
  for (const id of duplicates(m.recipients.map((r) => r.party))) {
    add(['recipients'], `party "${id}" is listed as a recipient more than once`);
  }
  m.recipients.forEach((r, i) => {
    const party = parties.get(r.party);
    if (party === undefined) add(['recipients', i, 'party'], `"${r.party}" is not a party`);
    else if (r.delivery === 'encrypted' && party.hpkePublicKey === undefined) {
      add(['recipients', i, 'delivery'], `party "${r.party}" has no hpkePublicKey to encrypt its result to`);
    }
  });
  if (m.threshold > m.inputs.length) {
    add(['threshold'], `threshold ${m.threshold} exceeds the ${m.inputs.length} declared input(s)`);
  }
  if (m.window.opensAt >= m.window.closesAt) add(['window'], 'the window must open before it closes');
  if (m.evaluation.trigger === 'on-request') {
    const requesters = m.evaluation.requesters;
    for (const id of duplicates(requesters)) add(['evaluation', 'requesters'], `duplicate requester "${id}"`);
    requesters.forEach((id, i) => {
      if (!parties.has(id)) add(['evaluation', 'requesters', i], `"${id}" is not a party`);
    });
  }
  for (const index of duplicates(m.enclave.pcrs.map((p) => p.index))) {
    add(['enclave', 'pcrs'], `PCR${index} is listed more than once`);
  }
  m.enclave.pcrs.forEach((pcr, i) => {
    if (duplicates(pcr.allowed).length > 0) add(['enclave', 'pcrs', i, 'allowed'], 'duplicate PCR value');
  });
  return problems;
}
