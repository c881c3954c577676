import { bytesToHex } from '../../common/bytes.js';
import { NsmClient } from '../../enclave/nsm/client.js';
import { SimulatedCa, type SimulatorRootCertificate } from './ca/simulated-ca.js';
import { SimulatedNsmDevice } from './device.js';
import { moduleIdOf, newEnclaveId } from './identity.js';
import { measureEnclaveBundle, measureInstanceId, PCR_LENGTH } from './measurements.js';
import { resolveOptions, type SimulatedNsmOptions } from './options.js';
import { BOOT_LOCKED_PCRS, PcrBank } from './pcr-bank.js';

/** What a simulated enclave's parties need to know about it. */
export interface SimulatedNsmFacts {
  /** `i-<instance>-enc<enclave>`; a new enclave id each time a simulated NSM is created, as each enclave run. */
  readonly moduleId: string;
  /** The simulated parent instance; kept in the state directory. */
  readonly instanceId: string;
  readonly rootCertificate: SimulatorRootCertificate;
  /** PCR0..15 as set at boot (hex): locked, so every document of this enclave carries exactly these. */
  readonly bootPcrs: Readonly<Record<number, string>>;
  readonly debug: boolean;
}

/**
 * A simulated NSM: the enclave's `Nsm` interface, backed by a simulated device that answers in the NSM's own
 * CBOR and signs documents with the state directory's CA. Also tells what a verifier needs to trust it.
 */
export class SimulatedNsm extends NsmClient implements SimulatedNsmFacts {
  readonly moduleId: string;
  readonly instanceId: string;
  readonly rootCertificate: SimulatorRootCertificate;
  readonly bootPcrs: Readonly<Record<number, string>>;
  readonly debug: boolean;

  constructor(device: SimulatedNsmDevice, facts: SimulatedNsmFacts) {
    super(device);
    this.moduleId = facts.moduleId;
    this.instanceId = facts.instanceId;
    this.rootCertificate = facts.rootCertificate;
    this.bootPcrs = facts.bootPcrs;
    this.debug = facts.debug;
  }
}

function bootPcrValues(
  bundle: Uint8Array,
  debug: boolean,
  instanceId: string,
  configured: ReadonlyMap<number, Uint8Array>,
): Map<number, Uint8Array> {
  const zero = new Uint8Array(PCR_LENGTH);
  const image = measureEnclaveBundle(bundle);
  const values = new Map<number, Uint8Array>();
  for (let i = 0; i < BOOT_LOCKED_PCRS; i++) values.set(i, zero);
  if (!debug) {
    values.set(0, image.pcr0);
    values.set(1, image.pcr1);
    values.set(2, image.pcr2);
  }
  values.set(4, measureInstanceId(instanceId));
  for (const [index, value] of configured) values.set(index, value);
  return values;
}

/**
 * The simulated NSM at the transport level: CBOR request bytes in, CBOR response bytes out, as `/dev/nsm`. For
 * serving the NSM protocol to another process; in-process code wants `createSimulatedNsm`.
 */
export async function createSimulatedNsmDevice(
  options: SimulatedNsmOptions,
): Promise<{ readonly device: SimulatedNsmDevice; readonly facts: SimulatedNsmFacts }> {
  const resolved = resolveOptions(options);
  const startedAt = resolved.now();
  const ca = await SimulatedCa.open(resolved.stateDir, { region: resolved.region, now: startedAt });
  const enclaveId = newEnclaveId(startedAt);
  const moduleId = moduleIdOf(ca.instanceId, enclaveId);
  const boot = bootPcrValues(resolved.bundle, resolved.debug, ca.instanceId, resolved.pcrs);
  const device = new SimulatedNsmDevice({
    moduleId,
    enclaveId,
    bank: new PcrBank(boot),
    ca,
    now: resolved.now,
    payloadEncoding: resolved.payloadEncoding,
  });
  const facts: SimulatedNsmFacts = {
    moduleId,
    instanceId: ca.instanceId,
    rootCertificate: ca.root,
    bootPcrs: Object.freeze(Object.fromEntries([...boot].map(([i, v]) => [i, bytesToHex(v)]))),
    debug: resolved.debug,
  };
  return { device, facts };
}

/**
 * Starts a simulated enclave's NSM. The CA hierarchy comes from `stateDir` (created there on first use), so every
 * simulated NSM of one state directory chains to the same root.
 *
 * @example
 * const nsm = await createSimulatedNsm({ stateDir, bundle: enclaveCode });
 * const doc = await nsm.attest({ nonce });
 * await verifyAttestationDocument(doc, { roots: [nsm.rootCertificate.der], pcrs: { 0: nsm.bootPcrs[0] } });
 */
export async function createSimulatedNsm(options: SimulatedNsmOptions): Promise<SimulatedNsm> {
  const { device, facts } = await createSimulatedNsmDevice(options);
  return new SimulatedNsm(device, facts);
}

/**
 * The root certificate of the simulation in `stateDir` (DER, PEM and the PEM file's path), creating the CA there
 * if it has none yet: what parties pass as `roots` (or `--root`) to trust simulated documents.
 */
export async function simulatorRootCertificate(
  stateDir: string,
  options: Pick<SimulatedNsmOptions, 'region' | 'clock'> = {},
): Promise<SimulatorRootCertificate> {
  const resolved = resolveOptions({ stateDir, ...options });
  return (await SimulatedCa.open(resolved.stateDir, { region: resolved.region, now: resolved.now() })).root;
}
