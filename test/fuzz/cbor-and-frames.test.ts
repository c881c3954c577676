import { describe } from 'vitest';
import { fuzzes } from './support/property.js';
import { frameBodyTarget, frameStreamTarget } from './targets/frames.js';
import { setItemsTarget } from './targets/set-items.js';
import { strictCborTarget } from './targets/strict-cbor.js';

describe('fuzzing the byte-level parsers', () => {
  fuzzes(strictCborTarget, 800);
  fuzzes(frameBodyTarget, 1500);
  fuzzes(frameStreamTarget, 800);
  fuzzes(setItemsTarget, 3000);
});
