import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { KmsSimulatorError } from './errors.js';
import { readJsonFile, writePrivateFile } from './state-files.js';

/** Who calls the simulated KMS: one IAM role in one simulated account, with long-term access keys. */
export interface SimulatorIdentity {
  readonly accountId: string;
  readonly region: string;
  readonly roleName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const ROLE_NAME = 'nitro-mpc-simulator';
/** The session name in the caller ARN KMS reports (e.g. in AccessDeniedException messages). */
const SESSION_NAME = 'nitro-mpc-simulator';

const identitySchema = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  roleName: z.string().min(1),
  accessKeyId: z.string().regex(/^AKIA[A-Z2-7]{16}$/),
  secretAccessKey: z.string().length(40),
});

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newIdentity(region: string): SimulatorIdentity {
  const keyIdSuffix = Array.from(randomBytes(16), (b) => BASE32[b % 32]).join('');
  return {
    accountId: String(randomInt(100_000_000_000, 999_999_999_999)),
    region,
    roleName: ROLE_NAME,
    accessKeyId: `AKIA${keyIdSuffix}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

/** The identity stored in `directory`, made on first use. A state directory belongs to one region. */
export function loadOrCreateIdentity(directory: string, region: string): SimulatorIdentity {
  const path = join(directory, 'identity.json');
  const stored = readJsonFile(path);
  if (stored === undefined) {
    const identity = newIdentity(region);
    writePrivateFile(path, `${JSON.stringify(identity, null, 2)}\n`);
    return identity;
  }
  const parsed = identitySchema.safeParse(stored);
  if (!parsed.success) {
    throw new KmsSimulatorError(
      'KMS_SIM_STATE_INVALID',
      `KMS simulator identity ${path} is not valid: ${parsed.error.message}`,
    );
  }
  if (parsed.data.region !== region) {
    throw new KmsSimulatorError(
      'KMS_SIM_OPTIONS_INVALID',
      `KMS simulator state in ${directory} belongs to region ${parsed.data.region}, not ${region}: ` +
        'start it with that region or use another state directory',
    );
  }
  return parsed.data;
}

export function rolePrincipalArn(identity: SimulatorIdentity): string {
  return `arn:aws:iam::${identity.accountId}:role/${identity.roleName}`;
}

/** The ARN KMS names the caller by: the role's assumed-role session, as on EC2 with an instance profile. */
export function callerArn(identity: SimulatorIdentity): string {
  return `arn:aws:sts::${identity.accountId}:assumed-role/${identity.roleName}/${SESSION_NAME}`;
}
