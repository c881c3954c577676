// Worker threads do not take `--import tsx`: register tsx here, then load the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./stalled.ts');
