// A worker entry that takes requests and never answers, as a worker stuck on a slow input would.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => undefined);
