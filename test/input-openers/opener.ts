// A worker entry for the pool tests: what the enclave bundle does when it starts as an input-opener thread.
import { isInputOpenerThread, runInputOpenerWorker } from '../../enclave/input-openers/index.js';

if (isInputOpenerThread()) runInputOpenerWorker();
