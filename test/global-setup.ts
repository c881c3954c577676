import { execFileSync } from 'node:child_process';

/** CLI tests run the built `dist/cli.js` as a real process, so the bundle is built once before any test. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
