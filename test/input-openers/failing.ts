// A worker entry that stops on its first request, as a worker thread that crashed would.
import { parentPort } from 'node:worker_threads';

parentPort?.once('message', () => process.exit(3));
