/**
 * Loads `nitro_native`, the small N-API addon (built by node-gyp from `binding.gyp` and `native/src/`) that gives
 * Node.js the system calls it lacks inside a Nitro Enclave: today the `/dev/nsm` ioctl, later AF_VSOCK sockets.
 * Nothing here knows what the bytes mean; callers map failures to their own error codes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NitroMpcError } from '../common/errors.js';

/** Contract version the addon reports as `abiVersion`; a build with another one is refused as stale. */
export const NITRO_NATIVE_ABI_VERSION = 1;

/** File name node-gyp gives the target `nitro_native`. */
export const NITRO_NATIVE_FILE = 'nitro_native.node';

/** Overrides where the addon is looked for (a path to the `.node` file). */
export const NITRO_NATIVE_PATH_ENV = 'NITRO_MPC_NATIVE_ADDON';

export interface NitroNativeAddon {
  readonly abiVersion: number;
  /** 1 where the NSM functions are implemented (Linux), 0 where they throw ENOSYS. */
  readonly nsmSupported: number;
  /** The driver's `_IOWR(0x0A, 0, struct nsm_message)` request number, as compiled. */
  readonly nsmIoctlRaw: number;
  readonly nsmRequestMaxSize: number;
  readonly nsmResponseMaxSize: number;
  /** Opens the device read-write (close-on-exec); returns the descriptor. Throws a `SystemCallError`. */
  nsmOpen(path: string): number;
  nsmClose(fd: number): void;
  /** One ioctl on a thread-pool thread; resolves with the response bytes the driver wrote. */
  nsmRequest(fd: number, request: Uint8Array, responseCapacity: number): Promise<Buffer>;
}

/** What the addon throws or rejects with when a system call fails: the errno name as `code`, as node:fs does. */
export interface SystemCallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

export function isSystemCallError(value: unknown): value is SystemCallError {
  return (
    value instanceof Error &&
    typeof (value as Partial<SystemCallError>).code === 'string' &&
    typeof (value as Partial<SystemCallError>).errno === 'number' &&
    typeof (value as Partial<SystemCallError>).syscall === 'string'
  );
}

/** The addon is not built, not loadable here, or stale. */
export class NativeAddonUnavailableError extends NitroMpcError<'NATIVE_ADDON_UNAVAILABLE'> {}

const BUILD_HINT =
  'build it with `npm rebuild` in the project root (npm runs node-gyp; it needs python3, make and a C compiler)';

/** Where node-gyp leaves the addon: `build/Release` (or `build/Debug`) beside `binding.gyp`, above this file. */
function candidatePaths(): string[] {
  const override = process.env[NITRO_NATIVE_PATH_ENV];
  if (override) return [override];
  const found: string[] = [];
  // Source tree (native/) and bundles (dist/) both sit one or two levels below the project root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 4; level++) {
    for (const config of ['Release', 'Debug']) found.push(join(dir, 'build', config, NITRO_NATIVE_FILE));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found;
}

function checkShape(addon: unknown, path: string): NitroNativeAddon {
  const candidate = addon as Partial<Record<keyof NitroNativeAddon, unknown>> | null;
  const functions = ['nsmOpen', 'nsmClose', 'nsmRequest'] as const;
  const numbers = [
    'abiVersion',
    'nsmSupported',
    'nsmIoctlRaw',
    'nsmRequestMaxSize',
    'nsmResponseMaxSize',
  ] as const;
  const wellFormed =
    typeof candidate === 'object' &&
    candidate !== null &&
    functions.every((name) => typeof candidate[name] === 'function') &&
    numbers.every((name) => typeof candidate[name] === 'number');
  if (!wellFormed || candidate.abiVersion !== NITRO_NATIVE_ABI_VERSION) {
    throw new NativeAddonUnavailableError(
      'NATIVE_ADDON_UNAVAILABLE',
      `${path} is not a nitro_native build of ABI version ${NITRO_NATIVE_ABI_VERSION} (stale build?); ${BUILD_HINT}`,
      { details: { path } },
    );
  }
  return candidate as NitroNativeAddon;
}

let cached: NitroNativeAddon | undefined;

/** Loads the addon once; throws `NativeAddonUnavailableError` with the paths tried and how to build it. */
export function loadNitroNative(): NitroNativeAddon {
  if (cached) return cached;
  const tried = candidatePaths();
  const path = tried.find((p) => existsSync(p));
  if (path === undefined) {
    throw new NativeAddonUnavailableError(
      'NATIVE_ADDON_UNAVAILABLE',
      `the nitro_native addon is not built; ${BUILD_HINT}`,
      {
        details: { tried },
      },
    );
  }
  let addon: unknown;
  try {
    addon = createRequire(import.meta.url)(path);
  } catch (cause) {
    throw new NativeAddonUnavailableError(
      'NATIVE_ADDON_UNAVAILABLE',
      `the nitro_native addon at ${path} does not load on this platform; ${BUILD_HINT}`,
      { cause, details: { path } },
    );
  }
  cached = checkShape(addon, path);
  return cached;
}
