/**
 * Domain-separation strings: every signature and HPKE `info` starts with one, so bytes signed or bound for one
 * purpose can never be accepted for another. Changing one is a protocol version change.
 */
export const CONTEXTS = {
  manifestApproval: 'nitro-mpc/v1/manifest-approval',
  inputEnvelope: 'nitro-mpc/v1/input-envelope',
  inputInfo: 'nitro-mpc/v1/input-info',
  inputStreamHeader: 'nitro-mpc/v1/input-stream-header',
  inputChunkAad: 'nitro-mpc/v1/input-chunk',
  kmsInput: 'nitro-mpc/v1/kms-input',
  signedRequest: 'nitro-mpc/v1/signed-request',
  sessionBinding: 'nitro-mpc/v1/session-binding',
  resultInfo: 'nitro-mpc/v1/result-info',
  resultReceipt: 'nitro-mpc/v1/result-receipt',
  destructionCertificate: 'nitro-mpc/v1/destruction-certificate',
  stateProof: 'nitro-mpc/v1/state-proof',
} as const;
