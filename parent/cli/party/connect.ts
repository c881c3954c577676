import { NitroMpcError } from '../../../common/errors.js';
import { parseTransportAddress } from '../../../protocol/transport/index.js';
import { EnclaveConnection } from '../../client/index.js';
import { CliError } from '../errors.js';
import { PartyCliError } from './errors.js';

export const ENDPOINT_ENV = 'NITRO_MPC_ENDPOINT';

/** `--endpoint`, else `$NITRO_MPC_ENDPOINT`: the enclave, directly or through the parent's proxy. */
export async function connectEndpoint(flag: string | undefined): Promise<EnclaveConnection> {
  const endpoint = flag ?? process.env[ENDPOINT_ENV];
  if (endpoint === undefined || endpoint === '')
    throw new PartyCliError(
      'ENDPOINT_REQUIRED',
      `no enclave endpoint: pass --endpoint or set ${ENDPOINT_ENV}`,
    );
  try {
    parseTransportAddress(endpoint);
  } catch (cause) {
    throw new CliError('CLI_USAGE', `--endpoint ${endpoint}: ${(cause as Error).message}`, { cause });
  }
  try {
    return await EnclaveConnection.open(endpoint);
  } catch (cause) {
    if (cause instanceof NitroMpcError) throw cause;
    throw new PartyCliError(
      'ENDPOINT_UNREACHABLE',
      `cannot connect to ${endpoint}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
