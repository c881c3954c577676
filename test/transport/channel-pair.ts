import type { Duplex } from 'node:stream';
import { loadNitroNative } from '../../native/index.js';
import {
  connect,
  FrameChannel,
  type FrameChannelOptions,
  listen,
  NativeSocketStream,
  type TransportListener,
} from '../../protocol/transport/index.js';
import { scratchDirectory } from './helpers.js';

export type PairKind = 'unix' | 'tcp' | 'native';

export interface ChannelPair {
  readonly client: FrameChannel;
  /** Resolves with the server's channel once the connection is accepted. */
  readonly server: Promise<FrameChannel>;
  readonly clientStream: Duplex;
  readonly close: () => Promise<void>;
}

/** A client channel and a server channel over a real socket of the given kind. */
export async function channelPair(
  kind: PairKind,
  server: FrameChannelOptions,
  client: FrameChannelOptions = {},
): Promise<ChannelPair> {
  if (kind === 'native') {
    const addon = loadNitroNative();
    const [a, b] = addon.socketPair();
    const clientStream = new NativeSocketStream(addon, a);
    const serverChannel = new FrameChannel(new NativeSocketStream(addon, b), server);
    return {
      client: new FrameChannel(clientStream, client),
      server: Promise.resolve(serverChannel),
      clientStream,
      close: async () => undefined,
    };
  }
  const scratch = scratchDirectory();
  let resolveServer: (channel: FrameChannel) => void = () => undefined;
  const serverChannel = new Promise<FrameChannel>((resolve) => {
    resolveServer = resolve;
  });
  const listener: TransportListener = await listen(
    kind === 'unix' ? `unix://${scratch.path('s.sock')}` : 'tcp://127.0.0.1:0',
    (connection) => resolveServer(new FrameChannel(connection, server)),
  );
  const clientStream = await connect(listener.address);
  return {
    client: new FrameChannel(clientStream, client),
    server: serverChannel,
    clientStream,
    close: async () => {
      await listener.close();
      scratch.cleanup();
    },
  };
}
