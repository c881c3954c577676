#!/usr/bin/env node
// Builds the library entry points and the CLI into dist/ with esbuild. Dependencies stay external: this is
// the npm package build (the enclave image has its own reproducible bundle).
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = {
  attestation: 'attestation/index.ts',
  simulator: 'simulator/index.ts',
  protocol: 'protocol/index.ts',
  client: 'parent/client/index.ts',
  cli: 'parent/cli/main.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
chmodSync('dist/cli.js', 0o755);
