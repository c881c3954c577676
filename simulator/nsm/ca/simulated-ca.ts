import { derToPem } from '../../../attestation/x509/certificate.js';
import { NsmSimulatorError } from '../errors.js';
import { newInstanceId } from '../identity.js';
import { type CaHierarchy, cabundleOf, createHierarchy, renewHierarchy } from './hierarchy.js';
import { type DocumentSigner, issueDocumentSigner } from './leaf.js';
import { loadHierarchy, saveHierarchy, writeRootCertificate } from './store.js';

/** The simulator's trust anchor, for parties to pass as `roots` to the verifier. */
export interface SimulatorRootCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  /** The PEM file in the state directory. */
  readonly path: string;
}

export interface OpenSimulatedCaOptions {
  /** Used only when the state directory has no CA yet. */
  readonly region: string;
  readonly now: number;
}

/** The CA hierarchy of one state directory: loaded or created once, renewed and stored as time passes. */
export class SimulatedCa {
  readonly stateDir: string;
  readonly root: SimulatorRootCertificate;
  #hierarchy: CaHierarchy;
  #renewal: Promise<unknown> = Promise.resolve();

  private constructor(stateDir: string, hierarchy: CaHierarchy, rootPath: string) {
    this.stateDir = stateDir;
    this.#hierarchy = hierarchy;
    this.root = { der: hierarchy.root.der, pem: derToPem(hierarchy.root.der), path: rootPath };
  }

  static async open(stateDir: string, options: OpenSimulatedCaOptions): Promise<SimulatedCa> {
    let hierarchy = await loadHierarchy(stateDir);
    if (hierarchy === undefined) {
      const created = await createHierarchy(options.region, newInstanceId(), options.now);
      // Another process may have created one meanwhile: then theirs is the one to use.
      hierarchy = (await saveHierarchy(stateDir, created, 'create'))
        ? created
        : await loadHierarchy(stateDir);
      if (hierarchy === undefined) {
        throw new NsmSimulatorError(
          'NSM_SIMULATOR_STATE_INVALID',
          `could not create the simulated CA in ${stateDir}`,
        );
      }
    }
    return new SimulatedCa(stateDir, hierarchy, await writeRootCertificate(stateDir, hierarchy.root.der));
  }

  get region(): string {
    return this.#hierarchy.region;
  }

  get instanceId(): string {
    return this.#hierarchy.instanceId;
  }

  /** The hierarchy valid at `now`: expiring intermediates are reissued and stored first. */
  async hierarchyAt(now: number): Promise<CaHierarchy> {
    const run = this.#renewal.then(async () => {
      const { hierarchy, renewed } = await renewHierarchy(this.#hierarchy, now);
      if (renewed.length > 0) {
        await saveHierarchy(this.stateDir, hierarchy, 'replace');
        this.#hierarchy = hierarchy;
      }
      return this.#hierarchy;
    });
    this.#renewal = run.catch(() => undefined);
    return run;
  }

  /** A fresh leaf for one document, and the `cabundle` that goes with it. */
  async documentSigner(
    moduleId: string,
    enclaveId: string,
    now: number,
  ): Promise<DocumentSigner & { readonly cabundle: Uint8Array[] }> {
    const hierarchy = await this.hierarchyAt(now);
    const signer = await issueDocumentSigner(hierarchy, moduleId, enclaveId, now);
    return { ...signer, cabundle: cabundleOf(hierarchy) };
  }
}
