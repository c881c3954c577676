#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Builds the enclave application into one reproducible file, dist/enclave/main.mjs, with the nitro_native addon
// beside it at dist/enclave/build/Release/nitro_native.node (where native/index.ts looks: build/Release next to
// the loading file) and libsodium's prebuilt sodium-native addon at dist/enclave/sodium-native.node (where
// common/sodium.ts looks first). Parties rebuild this to check PCRs, so the output depends only on the sources and the locked
// dependency versions: no timestamps, no absolute paths, no source maps, a pinned target. Prints SHA-384s.
//
//   node scripts/bundle.mjs [--out-dir DIR] [--skip-addon]
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, version as esbuildVersion } from 'esbuild';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { values: flags } = parseArgs({
  options: { 'out-dir': { type: 'string' }, 'skip-addon': { type: 'boolean' } },
});
const outDir = resolve(flags['out-dir'] ?? join(root, 'dist', 'enclave'));
const ADDON = join('build', 'Release', 'nitro_native.node');
const SODIUM_ADDON = 'sodium-native.node';
// The lockfile pins sodium-native; its package carries prebuilt addons, one per platform: this host's is copied.
const SODIUM_PREBUILD = join(
  'node_modules',
  'sodium-native',
  'prebuilds',
  `${process.platform}-${process.arch}`,
  SODIUM_ADDON,
);

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

const sha384 = (bytes) => createHash('sha384').update(bytes).digest('hex');

// The bundler is part of the measured input: refuse one that differs from the lockfile's.
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const lockedEsbuild = lock.packages?.['node_modules/esbuild']?.version;
if (lockedEsbuild !== esbuildVersion) {
  fail(`esbuild ${esbuildVersion} is installed but package-lock.json pins ${lockedEsbuild}: run npm ci`);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'main.mjs');
const result = await build({
  absWorkingDir: root, // comments name inputs relative to the checkout, wherever it is
  entryPoints: ['enclave/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19', // pinned: the Dockerfile's base image runs Node 20
  sourcemap: false,
  legalComments: 'eof', // licence notices kept, at one deterministic place
  charset: 'utf8',
  minify: false, // readable for the parties who audit it
  preserveSymlinks: true, // a node_modules symlink must not put its real (absolute) location in the output
  metafile: true,
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require() for node built-ins; give ESM output a real one.
  banner: {
    js: "import { createRequire as __nitroMpcCreateRequire } from 'node:module';\nconst require = __nitroMpcCreateRequire(import.meta.url);",
  },
});

const bundle = readFileSync(outfile);
if (bundle.includes(root)) fail(`the bundle contains the absolute path ${root}`);
const inputs = Object.keys(result.metafile.inputs).sort();
const outside = inputs.filter((input) => input.startsWith('/') || input.startsWith('..'));
if (outside.length > 0) fail(`inputs outside the checkout: ${outside.join(', ')}`);

const manifest = {
  bundle: { file: 'main.mjs', bytes: bundle.length, sha384: sha384(bundle) },
  esbuild: esbuildVersion,
  target: 'node20.19',
  inputs: inputs.length,
  inputsSha384: sha384(
    inputs.map((input) => `${input}\0${sha384(readFileSync(join(root, input)))}\n`).join(''),
  ),
};
if (flags['skip-addon']) {
  process.stderr.write(
    'bundle: --skip-addon: no native addon copied (the enclave needs one to reach /dev/nsm)\n',
  );
} else {
  const addon = join(root, ADDON);
  if (!existsSync(addon)) fail(`${ADDON} is missing: run npm run build:native first (or pass --skip-addon)`);
  mkdirSync(join(outDir, 'build', 'Release'), { recursive: true });
  copyFileSync(addon, join(outDir, ADDON));
  manifest.addon = { file: ADDON, sha384: sha384(readFileSync(addon)) };
}
const sodiumAddon = join(root, SODIUM_PREBUILD);
if (!existsSync(sodiumAddon))
  fail(`${SODIUM_PREBUILD} is missing: run npm ci (sodium-native has no prebuild here?)`);
copyFileSync(sodiumAddon, join(outDir, SODIUM_ADDON));
manifest.sodium = { file: SODIUM_ADDON, sha384: sha384(readFileSync(sodiumAddon)) };
// The measurement of each library function as this very bundle computes it: what session manifests pin.
const listed = spawnSync(process.execPath, [outfile, '--list-functions'], { encoding: 'utf8' });
if (listed.status !== 0) fail(`the bundle could not list its functions: ${listed.stderr}`);
manifest.functions = JSON.parse(listed.stdout).map(({ id, version, measurement }) => ({
  id,
  version,
  measurement,
}));
writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

process.stdout.write(`${relative(process.cwd(), outfile) || outfile}  sha384 ${manifest.bundle.sha384}\n`);
if (manifest.addon)
  process.stdout.write(`${join(relative(process.cwd(), outDir), ADDON)}  sha384 ${manifest.addon.sha384}\n`);
process.stdout.write(
  `${join(relative(process.cwd(), outDir), SODIUM_ADDON)}  sha384 ${manifest.sodium.sha384}\n`,
);
process.stdout.write(`${inputs.length} inputs, sha384 of (path, content) list ${manifest.inputsSha384}\n`);
process.stdout.write('function measurements (sha256), pinned by manifests:\n');
for (const fn of manifest.functions)
  process.stdout.write(`  ${`${fn.id}@${fn.version}`.padEnd(28)} ${fn.measurement}\n`);
