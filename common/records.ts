/**
 * Records: string-keyed objects made from decoded maps, with no inherited members. `Object.create(null)` gives
 * that too, but V8 keeps null-prototype objects as hash tables ("dictionary mode"), and every schema check of a
 * decoded message then read its fields about half as fast. A record's prototype is an empty object with a null
 * prototype, so nothing is inherited (no `toString`, no `__proto__` setter) and the record itself stays fast.
 */
const DecodedRecord = function DecodedRecord() {} as unknown as new () => Record<string, unknown>;
DecodedRecord.prototype = Object.create(null);

/** A new empty record. */
export function newRecord(): Record<string, unknown> {
  return new DecodedRecord();
}

/** An object literal's, a `newRecord()`'s or `Object.create(null)`'s: a bag of fields, not a class instance. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === DecodedRecord.prototype;
}
