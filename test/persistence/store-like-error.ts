import { NitroMpcError } from '../../common/errors.js';

/** Stands for the store client's typed errors (same codes) in in-process tests. */
export class StoreLikeError extends NitroMpcError {}
