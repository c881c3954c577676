import { FunctionError } from './errors.js';
import { LIBRARY } from './library/index.js';
import type { AnyMpcFunction, FunctionDescriptor } from './types.js';

const byKey = new Map<string, AnyMpcFunction>();
for (const fn of LIBRARY) {
  const key = `${fn.id}@${fn.version}`;
  if (byKey.has(key)) throw new Error(`function ${key} is defined twice`);
  byKey.set(key, fn);
}

export function getFunction(id: string, version: string): AnyMpcFunction {
  const fn = byKey.get(`${id}@${version}`);
  if (!fn) {
    throw new FunctionError('FUNCTION_UNKNOWN', `no function ${id}@${version} in this enclave`, {
      details: { id, version },
    });
  }
  return fn;
}

/** The function a manifest pins, refused unless its measurement is exactly the code this enclave runs. */
export function resolveFunction(pin: { id: string; version: string; measurement: string }): AnyMpcFunction {
  const fn = getFunction(pin.id, pin.version);
  if (pin.measurement.toLowerCase() !== fn.measurement) {
    throw new FunctionError(
      'FUNCTION_MEASUREMENT_MISMATCH',
      `${pin.id}@${pin.version}: the manifest pins another measurement than the code this enclave runs`,
      { details: { id: pin.id, version: pin.version, expected: pin.measurement, actual: fn.measurement } },
    );
  }
  return fn;
}

export function listFunctions(): FunctionDescriptor[] {
  return [...byKey.values()].map((fn) => ({
    id: fn.id,
    version: fn.version,
    summary: fn.summary,
    measurement: fn.measurement,
    parties: fn.parties,
    views: Object.keys(fn.views),
  }));
}
