import { NitroMpcError } from '../../common/errors.js';

/** The enclave refused a request: `code` is its code (e.g. `WINDOW_CLOSED`), the message its explanation. */
export class EnclaveRefusal extends NitroMpcError {}
