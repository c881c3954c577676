/**
 * The real NSM: `/dev/nsm` inside a Nitro Enclave, reached through the nitro_native addon's ioctl. Off Nitro
 * (no device, or no addon) opening fails with `NSM_UNAVAILABLE`.
 */
import { existsSync } from 'node:fs';
import {
  isSystemCallError,
  loadNitroNative,
  NativeAddonUnavailableError,
  type NitroNativeAddon,
} from '../../native/index.js';
import { NsmClient } from './client.js';
import { NsmError } from './errors.js';
import type { Nsm } from './nsm.js';
import { NSM_DEVICE_PATH, NSM_RESPONSE_MAX_SIZE } from './protocol.js';
import type { NsmTransport } from './transport.js';

const SIMULATOR_HINT =
  'outside a Nitro Enclave use the simulated NSM (createSimulatedNsm from simulator/nsm)';

function unavailable(message: string, cause?: unknown, details?: Record<string, unknown>): NsmError {
  return new NsmError('NSM_UNAVAILABLE', message, {
    ...(cause === undefined ? {} : { cause }),
    ...(details === undefined ? {} : { details }),
  });
}

function ioctlError(cause: unknown, path: string): NsmError {
  if (!isSystemCallError(cause)) {
    return new NsmError('NSM_INTERNAL_ERROR', 'NSM ioctl failed unexpectedly', { cause });
  }
  const details = { errno: cause.code, path };
  switch (cause.code) {
    case 'EMSGSIZE':
      return new NsmError(
        'NSM_INPUT_TOO_LARGE',
        'the NSM driver refused the request as too large (EMSGSIZE)',
        {
          cause,
          details,
        },
      );
    case 'ENOTTY':
      return unavailable(
        `${path} does not answer the NSM ioctl: it is not a Nitro Secure Module`,
        cause,
        details,
      );
    default:
      return new NsmError('NSM_INTERNAL_ERROR', `the NSM ioctl on ${path} failed: ${cause.message}`, {
        cause,
        details,
      });
  }
}

/** One open `/dev/nsm` descriptor. Requests may overlap (the driver serialises them); close waits for them. */
export class NsmDeviceTransport implements NsmTransport {
  readonly #addon: NitroNativeAddon;
  readonly #path: string;
  #fd: number | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  private constructor(addon: NitroNativeAddon, path: string, fd: number) {
    this.#addon = addon;
    this.#path = path;
    this.#fd = fd;
  }

  /** Opens the device. Throws `NSM_UNAVAILABLE` when there is none here or the addon is missing. */
  static open(path: string = NSM_DEVICE_PATH): NsmDeviceTransport {
    if (!existsSync(path)) {
      throw unavailable(`${path} does not exist: this is not a Nitro Enclave; ${SIMULATOR_HINT}`, undefined, {
        path,
      });
    }
    let addon: NitroNativeAddon;
    try {
      addon = loadNitroNative();
    } catch (cause) {
      if (!(cause instanceof NativeAddonUnavailableError)) throw cause;
      throw unavailable(`cannot reach ${path}: ${cause.message}`, cause, { path });
    }
    try {
      return new NsmDeviceTransport(addon, path, addon.nsmOpen(path));
    } catch (cause) {
      const errno = isSystemCallError(cause) ? cause.code : undefined;
      const hint = errno === 'EACCES' || errno === 'EPERM' ? ': run with permission to open it' : '';
      throw unavailable(`cannot open ${path}${errno ? ` (${errno})` : ''}${hint}`, cause, { path, errno });
    }
  }

  async exchange(request: Uint8Array): Promise<Uint8Array> {
    const fd = this.#fd;
    if (fd === undefined) throw new NsmError('NSM_CLOSED', `${this.#path} was closed; open it again`);
    const pending = this.#addon.nsmRequest(fd, request, NSM_RESPONSE_MAX_SIZE);
    this.#inFlight.add(pending);
    try {
      return new Uint8Array(await pending);
    } catch (cause) {
      throw ioctlError(cause, this.#path);
    } finally {
      this.#inFlight.delete(pending);
    }
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    // Closing under a running ioctl would let the number be reused by another open file.
    await Promise.allSettled([...this.#inFlight]);
    try {
      this.#addon.nsmClose(fd);
    } catch (cause) {
      throw new NsmError('NSM_INTERNAL_ERROR', `closing ${this.#path} failed`, { cause });
    }
  }
}

export interface OpenNsmDeviceOptions {
  /** Default `/dev/nsm`. */
  readonly devicePath?: string;
}

/** The real NSM. Throws `NSM_UNAVAILABLE` off Nitro (no `/dev/nsm`) or when the native addon is not built. */
export async function openNsmDevice(options: OpenNsmDeviceOptions = {}): Promise<Nsm> {
  return new NsmClient(NsmDeviceTransport.open(options.devicePath ?? NSM_DEVICE_PATH));
}
