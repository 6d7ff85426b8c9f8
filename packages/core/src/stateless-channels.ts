import type { Portcullis } from './portcullis.js';
import type { ProtocolEra } from './protocol-versions.js';
import { createServerChannel, type ServerChannel } from './server-channel.js';

/**
 * The two channels an HTTP endpoint shares across all its stateless requests, one per
 * protocol era, each with one server, created on first use. The identity rides on each
 * message, never on the server.
 */
export interface StatelessChannels {
  /** The channel of `era`, created on first use. */
  get(era: ProtocolEra): Promise<ServerChannel>;
  /** Closes the channels created so far. */
  close(): Promise<void>;
}

/** Creates the {@link StatelessChannels} of an endpoint; `transport` names it to the servers. */
export function createStatelessChannels(
  portcullis: Portcullis,
  transport: string,
): StatelessChannels {
  const channels = new Map<ProtocolEra, Promise<ServerChannel>>();
  return {
    get(era) {
      let channel = channels.get(era);
      if (!channel) {
        channel = createServerChannel(
          portcullis.createServer({ auth: undefined, transport, shared: true }),
          {
            ...(era === 'modern' && { era }),
          },
        );
        channels.set(era, channel);
      }
      return channel;
    },
    async close() {
      for (const channel of channels.values()) await (await channel).close();
    },
  };
}
