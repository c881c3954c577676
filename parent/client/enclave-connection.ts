import { type EnclaveResponse, parseEnclaveResponse } from '../../protocol/index.js';
import { connect, FrameChannel, type FrameChannelOptions } from '../../protocol/transport/index.js';

/**
 * A party's connection to an enclave (directly, or through the parent's proxy): requests out, responses validated
 * at the edge. The first piece of the party SDK.
 */
export class EnclaveConnection {
  private constructor(readonly channel: FrameChannel) {}

  static async open(address: string, options: FrameChannelOptions = {}): Promise<EnclaveConnection> {
    return new EnclaveConnection(new FrameChannel(await connect(address), options));
  }

  async send(request: unknown): Promise<EnclaveResponse> {
    return parseEnclaveResponse(await this.channel.request(request));
  }

  close(): void {
    this.channel.destroy();
  }
}
