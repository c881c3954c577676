import type { PackedSetItems } from '../../../protocol/set-items/index.js';
import { hashPackedItems } from './item-hash.js';

const SLOT_INTS = 4; // [hash, owner + 1 | last party + 1 << 8 | length << 16 (0 = empty), start, count or stage]
const OWNER_MASK = 0xff;
const MARK_SHIFT = 8;
const MARK_BITS = OWNER_MASK << MARK_SHIFT;
const LENGTH_SHIFT = 16;

/** One party's packed items, indexed for the table: hashes, and where each item's bytes are. */
interface IndexedColumn {
  readonly hashes: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Uint16Array;
}

/**
 * `ItemTable` for packed sets: the same open-addressing table and counting rules, but a slot holds everything a
 * comparison needs (owner, start, length), so confirming a hash match reads only the two items' bytes. No item is
 * materialized as a JS object; only members that are output get decoded.
 */
export class PackedItemTable {
  private readonly slots: Int32Array;
  private readonly offsetMask: number;
  private readonly index: IndexedColumn;
  /** Each party's buffer, by party index: what a slot's owner field points into. */
  private readonly datas: readonly Uint8Array[];
  private distinct = 0;

  constructor(
    private readonly columns: readonly PackedSetItems[],
    capacityItems: number,
    private readonly seed: number,
    /** Tests narrow the hash to force collisions; results must not change. */
    private readonly hashMask = -1,
  ) {
    let size = 16;
    while (size < capacityItems * 2) size *= 2;
    this.slots = new Int32Array(size * SLOT_INTS);
    this.offsetMask = size * SLOT_INTS - 1;
    this.datas = columns.map((column) => column.data);
    let longest = 0;
    for (const column of columns) longest = Math.max(longest, column.count);
    this.index = {
      hashes: new Int32Array(longest),
      starts: new Int32Array(longest),
      lengths: new Uint16Array(longest),
    };
  }

  get distinctItems(): number {
    return this.distinct;
  }

  /** Indexes `party`'s items into the shared scratch arrays (one party at a time). */
  private indexColumn(party: number): IndexedColumn {
    const { data, count } = this.columns[party] as PackedSetItems;
    hashPackedItems(data, count, this.seed, this.index);
    const hashes = this.index.hashes;
    if (this.hashMask !== -1)
      for (let i = 0; i < count; i++) hashes[i] = (hashes[i] as number) & this.hashMask;
    return this.index;
  }

  /**
   * Finds the slot of `party`'s item `i`, or the empty slot where it belongs: an offset into `slots`. Kept small
   * and monomorphic so that it inlines into the two loops below (the table is memory-bound: every probe is a
   * likely cache miss, and the loop around it must add as little as possible).
   */
  private probe(data: Uint8Array, hash: number, start: number, length: number): number {
    const slots = this.slots;
    const datas = this.datas;
    const offsetMask = this.offsetMask;
    let offset = (hash << 2) & offsetMask; // << 2: SLOT_INTS, in 32-bit arithmetic
    for (;;) {
      const info = slots[offset + 1] as number;
      if (info === 0) return offset;
      if (slots[offset] === hash && info >>> LENGTH_SHIFT === length) {
        const other = datas[(info & OWNER_MASK) - 1] as Uint8Array;
        const otherStart = slots[offset + 2] as number;
        let k = 0;
        while (k < length && other[otherStart + k] === data[start + k]) k++;
        if (k === length) return offset;
      }
      offset = (offset + SLOT_INTS) & offsetMask;
    }
  }

  /** Inserts every item of `party`; a slot's count rises once per party that holds the item, however often. */
  addParty(party: number): void {
    const { hashes, starts, lengths } = this.indexColumn(party);
    const { count, data } = this.columns[party] as PackedSetItems;
    const slots = this.slots;
    const owner = party + 1;
    const mark = owner << MARK_SHIFT;
    for (let i = 0; i < count; i++) {
      const hash = hashes[i] as number;
      const start = starts[i] as number;
      const length = lengths[i] as number;
      const offset = this.probe(data, hash, start, length);
      const info = slots[offset + 1] as number;
      if (info === 0) {
        slots[offset] = hash;
        slots[offset + 1] = owner | mark | (length << LENGTH_SHIFT);
        slots[offset + 2] = start;
        slots[offset + 3] = 1;
        this.distinct++;
      } else if ((info & MARK_BITS) !== mark) {
        slots[offset + 1] = (info & ~MARK_BITS) | mark;
        slots[offset + 3] = (slots[offset + 3] as number) + 1;
      }
    }
  }

  /** Moves items at `stage` that `party` also holds to `stage + 1` (lookups only); returns how many moved. */
  advanceParty(party: number, stage: number): number {
    const { hashes, starts, lengths } = this.indexColumn(party);
    const { count, data } = this.columns[party] as PackedSetItems;
    const slots = this.slots;
    let advanced = 0;
    for (let i = 0; i < count; i++) {
      const offset = this.probe(data, hashes[i] as number, starts[i] as number, lengths[i] as number);
      if (slots[offset + 1] !== 0 && slots[offset + 3] === stage) {
        slots[offset + 3] = stage + 1;
        advanced++;
      }
    }
    return advanced;
  }

  /** How many distinct items have a count (or stage) of exactly `count`. */
  countAt(count: number): number {
    let total = 0;
    for (let offset = 0; offset < this.slots.length; offset += SLOT_INTS) {
      if (this.slots[offset + 1] !== 0 && this.slots[offset + 3] === count) total++;
    }
    return total;
  }

  /** The items with a count (or stage) of exactly `count`, decoded (strings) or copied (bytes); callers sort. */
  itemsAt(count: number): (string | Uint8Array)[] {
    const items: (string | Uint8Array)[] = [];
    for (let offset = 0; offset < this.slots.length; offset += SLOT_INTS) {
      const info = this.slots[offset + 1] as number;
      if (info === 0 || this.slots[offset + 3] !== count) continue;
      const { kind, data } = this.columns[(info & OWNER_MASK) - 1] as PackedSetItems;
      const start = this.slots[offset + 2] as number;
      const end = start + (info >>> LENGTH_SHIFT);
      items.push(
        kind === 'string'
          ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8', start, end)
          : data.slice(start, end),
      );
    }
    return items;
  }
}
