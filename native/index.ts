/**
 * Loads `nitro_native`, the small N-API addon (built by node-gyp from `binding.gyp` and `native/src/`) that gives
 * Node.js the system calls it lacks inside a Nitro Enclave: the `/dev/nsm` ioctl and AF_VSOCK
 * sockets (with a libuv poll watcher so JavaScript can drive any non-blocking socket descriptor).
 * Nothing here knows what the bytes mean; callers map failures to their own error codes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NitroMpcError } from '../common/errors.js';

/** Contract version the addon reports as `abiVersion`; a build with another one is refused as stale. */
export const NITRO_NATIVE_ABI_VERSION = 2;

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

  /** 1 where AF_VSOCK and the socket functions are implemented (Linux), 0 where they throw ENOSYS. */
  readonly vsockSupported: number;
  /** VMADDR_CID_ANY and VMADDR_PORT_ANY (both 0xffffffff). */
  readonly vsockCidAny: number;
  readonly vsockPortAny: number;
  /** A bound, listening, non-blocking, close-on-exec AF_VSOCK socket. Throws a `SystemCallError`. */
  vsockListen(cid: number, port: number, backlog: number): number;
  /** Starts a non-blocking connect; wait for writability, then `socketError`. Throws when it fails at once. */
  vsockConnect(cid: number, port: number): number;
  vsockLocalAddress(fd: number): { readonly cid: number; readonly port: number };
  /** A new non-blocking, close-on-exec descriptor, or -1 when no connection is waiting. */
  socketAccept(fd: number): number;
  /** 0, or the `SystemCallError` a non-blocking connect ended with (returned, not thrown). */
  socketError(fd: number): 0 | SystemCallError;
  /** Bytes read into `buffer`; 0 at end of stream; -1 when nothing is ready. */
  socketRead(fd: number, buffer: Uint8Array): number;
  /** Bytes written (maybe fewer); -1 when the socket's buffer is full. */
  socketWrite(fd: number, buffer: Uint8Array): number;
  /** shutdown(SHUT_WR). */
  socketShutdown(fd: number): void;
  socketClose(fd: number): void;
  /** Two connected AF_UNIX stream descriptors (non-blocking): the socket code's test bench off Nitro. */
  socketPair(): [number, number];
  /** Watches `fd` on the event loop; `callback(status, events)` gets a negative libuv status on error. */
  pollOpen(fd: number, callback: (status: number, events: number) => void): NativePollWatcher;
  /** `events`: `POLL_READABLE | POLL_WRITABLE`, or 0 to stop watching for now. */
  pollSet(watcher: NativePollWatcher, events: number): void;
  /** Stops watching for good; call before `socketClose`. */
  pollClose(watcher: NativePollWatcher): void;
}

/** An opaque handle to a libuv poll watcher inside the addon. */
export type NativePollWatcher = { readonly __nativePollWatcher: unique symbol };

/** Bits of `pollSet`'s `events` and of a poll callback's `events` (which may also carry `POLL_DISCONNECT`). */
export const POLL_READABLE = 1;
export const POLL_WRITABLE = 2;
export const POLL_DISCONNECT = 4;

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
  const functions = [
    'nsmOpen',
    'nsmClose',
    'nsmRequest',
    'vsockListen',
    'vsockConnect',
    'vsockLocalAddress',
    'socketAccept',
    'socketError',
    'socketRead',
    'socketWrite',
    'socketShutdown',
    'socketClose',
    'socketPair',
    'pollOpen',
    'pollSet',
    'pollClose',
  ] as const;
  const numbers = [
    'abiVersion',
    'nsmSupported',
    'nsmIoctlRaw',
    'nsmRequestMaxSize',
    'nsmResponseMaxSize',
    'vsockSupported',
    'vsockCidAny',
    'vsockPortAny',
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
