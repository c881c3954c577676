/**
 * The real-device path off Nitro: it must fail cleanly with NSM_UNAVAILABLE. Where the nitro_native addon is
 * built, its ioctl plumbing is exercised against a device that is not an NSM (/dev/null answers ENOTTY).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  NSM_IOCTL_RAW,
  NSM_REQUEST_MAX_SIZE,
  NSM_RESPONSE_MAX_SIZE,
  NsmError,
  openNsmDevice,
} from '../../enclave/nsm/index.js';
import { isSystemCallError, loadNitroNative, NITRO_NATIVE_PATH_ENV } from '../../native/index.js';

function tryLoadAddon() {
  try {
    return loadNitroNative();
  } catch {
    return undefined;
  }
}
const addon = tryLoadAddon();
const hasIoctl = addon?.nsmSupported === 1;

async function rejection(promise: Promise<unknown>): Promise<NsmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NsmError);
  return error as NsmError;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('openNsmDevice off Nitro', () => {
  it.skipIf(existsSync('/dev/nsm'))('fails with NSM_UNAVAILABLE where /dev/nsm does not exist', async () => {
    const error = await rejection(openNsmDevice());
    expect(error.code).toBe('NSM_UNAVAILABLE');
    expect(error.message).toContain('/dev/nsm does not exist');
    expect(error.message).toContain('createSimulatedNsm');
  });

  it('fails with NSM_UNAVAILABLE for any missing device path', async () => {
    const error = await rejection(openNsmDevice({ devicePath: '/nonexistent/nsm' }));
    expect(error.code).toBe('NSM_UNAVAILABLE');
    expect(error.details).toEqual({ path: '/nonexistent/nsm' });
  });

  it.runIf(hasIoctl)('reports a device that does not answer the NSM ioctl as NSM_UNAVAILABLE', async () => {
    const nsm = await openNsmDevice({ devicePath: '/dev/null' });
    const error = await rejection(nsm.describe());
    expect(error.code).toBe('NSM_UNAVAILABLE');
    expect(error.details).toEqual({ errno: 'ENOTTY', path: '/dev/null' });
    await nsm.close();
    expect((await rejection(nsm.describe())).code).toBe('NSM_CLOSED');
  });
});

describe('when the addon is missing or unusable', () => {
  const saved = process.env[NITRO_NATIVE_PATH_ENV];
  let scratch: string | undefined;
  afterEach(() => {
    if (saved === undefined) delete process.env[NITRO_NATIVE_PATH_ENV];
    else process.env[NITRO_NATIVE_PATH_ENV] = saved;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
    vi.resetModules();
  });

  /** From a fresh module graph, so the error class is another copy: checked by name and code. */
  async function freshRejection(
    promise: Promise<unknown>,
  ): Promise<{ name: string; code: string; message: string }> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as { name: string; code: string; message: string };
  }

  /** A fresh copy of the device module, so that the loader's cache starts empty. */
  async function freshDeviceModule(addonPath: string) {
    process.env[NITRO_NATIVE_PATH_ENV] = addonPath;
    vi.resetModules();
    return import('../../enclave/nsm/device.js');
  }

  it('fails with NSM_UNAVAILABLE that says how to build it when it is not built', async () => {
    const { openNsmDevice: open } = await freshDeviceModule('/nonexistent/nitro_native.node');
    const error = await freshRejection(open({ devicePath: '/dev/null' }));
    expect([error.name, error.code]).toEqual(['NsmError', 'NSM_UNAVAILABLE']);
    expect(error.message).toContain('not built');
    expect(error.message).toContain('npm rebuild');
  });

  it('fails with NSM_UNAVAILABLE when the file is not a loadable addon', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nitro-native-'));
    const fake = join(scratch, 'nitro_native.node');
    writeFileSync(fake, 'not a shared object');
    const { openNsmDevice: open } = await freshDeviceModule(fake);
    const error = await freshRejection(open({ devicePath: '/dev/null' }));
    expect([error.name, error.code]).toEqual(['NsmError', 'NSM_UNAVAILABLE']);
    expect(error.message).toContain('does not load');
  });
});

describe.runIf(addon)('the nitro_native addon', () => {
  const native = addon as NonNullable<typeof addon>;

  it('was compiled with the NSM driver constants', () => {
    expect(native.nsmIoctlRaw).toBe(NSM_IOCTL_RAW);
    expect(NSM_IOCTL_RAW).toBe(0xc0200a00);
    expect(native.nsmRequestMaxSize).toBe(NSM_REQUEST_MAX_SIZE);
    expect(native.nsmResponseMaxSize).toBe(NSM_RESPONSE_MAX_SIZE);
  });

  it.runIf(hasIoctl)('reports system call failures with the errno name as code', async () => {
    const missing = thrownBy(() => native.nsmOpen('/nonexistent/nsm'));
    expect(isSystemCallError(missing) && [missing.code, missing.syscall]).toEqual(['ENOENT', 'open']);

    const fd = native.nsmOpen('/dev/null');
    const notNsm = await native.nsmRequest(fd, Uint8Array.of(0x60), 16).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSystemCallError(notNsm) && [notNsm.code, notNsm.syscall]).toEqual(['ENOTTY', 'ioctl']);
    native.nsmClose(fd);
    const closedTwice = thrownBy(() => native.nsmClose(fd));
    expect(isSystemCallError(closedTwice) && closedTwice.code).toBe('EBADF');
  });

  it('checks its arguments before any system call', () => {
    expect(thrownBy(() => native.nsmRequest(0, 'x' as unknown as Uint8Array, 16))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => native.nsmRequest(0, new Uint8Array(0), 16))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => native.nsmRequest(0, Uint8Array.of(1), 0))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => native.nsmRequest(-1, Uint8Array.of(1), 16))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => native.nsmOpen(42 as unknown as string))).toBeInstanceOf(TypeError);
  });
});
