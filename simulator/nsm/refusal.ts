import type { NsmErrorName } from '../../enclave/nsm/protocol.js';

/** Thrown inside the simulated NSM to answer `{"Error": name}`, as the real NSM answers a request it refuses. */
export class NsmRefusal extends Error {
  readonly error: NsmErrorName;

  constructor(error: NsmErrorName, message: string) {
    super(message);
    this.name = 'NsmRefusal';
    this.error = error;
  }
}
