/** protocol/set-items parsePackedSetItems: never throws; what it accepts unpacks and packs back to the same bytes. */
import { bytesEqual } from '../../../common/bytes.js';
import { CborFormatError, decodeStrictCbor, encodeCbor } from '../../../common/cbor/index.js';
import { packSetItems, parsePackedSetItems, unpackSetItems } from '../../../protocol/index.js';
import { check, FuzzFinding, type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'set-items';

function roundTrip(value: unknown): void {
  let result: ReturnType<typeof parsePackedSetItems>;
  try {
    result = parsePackedSetItems(value);
  } catch (error) {
    throw new FuzzFinding(name, `parsePackedSetItems threw: ${String(error)}`, { cause: error });
  }
  if (!result.ok) return;
  const packed = result.value;
  const items = unpackSetItems(packed);
  check(
    name,
    items.length === packed.count,
    `${items.length} items unpacked where count says ${packed.count}`,
  );
  const again = packSetItems(items, packed.kind);
  check(name, bytesEqual(again.data, packed.data), 'accepted data that does not pack back to the same bytes');
}

export const setItemsTarget: FuzzTarget = {
  name,
  parser: 'protocol/set-items parsePackedSetItems, unpackSetItems',
  async seeds() {
    const long = 'x'.repeat(200);
    const sets = [
      packSetItems(['alice@example.com', 'bob@example.com', '']),
      packSetItems(['naïve', 'Grüße', '日本', '😀', long]),
      packSetItems([Uint8Array.of(1, 2, 3), new Uint8Array(130).fill(0xfe)], 'bytes'),
      packSetItems([], 'string'),
    ];
    return sets.map((s) =>
      encodeCbor(
        new Map<string, unknown>([
          ['kind', s.kind],
          ['count', s.count],
          ['data', s.data],
        ]),
      ),
    );
  },
  run(bytes) {
    const value = refusedOrValidSync(name, [{ type: CborFormatError }], () => decodeStrictCbor(bytes));
    if (value !== undefined) roundTrip(value);
    // The same bytes as the data of a set, counted by their first byte.
    const count = bytes[0] ?? 0;
    for (const kind of ['string', 'bytes'] as const) roundTrip({ kind, count, data: bytes.subarray(1) });
  },
};
