export { INPUT_OPENER_ERROR_CODES, InputOpenerError, type InputOpenerErrorCode } from './errors.js';
export { InputOpenerPool, type InputOpenerPoolOptions } from './pool.js';
export { isInputOpenerThread, runInputOpenerWorker } from './worker.js';
