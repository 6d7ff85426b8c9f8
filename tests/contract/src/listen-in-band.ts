import { readInBand, readListenOpening } from './in-band-refusal.js';
import type { Answer, Listening } from './transport-driver.js';
import { listenRequest, type RpcAnswer, type RpcRequest } from './wire.js';

/**
 * A listen stream on a connection that carries messages in band (WebSocket, stdio): sends the
 * request through `send`, which also hands every incoming message to `watch` and returns how to
 * send the cancellation that closes the stream. Never waits past the end of the connection.
 */
export async function openListen(
  uris: readonly string[],
  /** Settles when the connection ends first (a refused stdio start, a closed socket). */
  gone: Promise<Answer>,
  send: (
    message: RpcRequest,
    watch: (message: RpcAnswer & { method?: string }) => void,
  ) => (cancel: object) => void,
): Promise<Listening> {
  const message = listenRequest(uris);
  let acknowledge: (answer: Answer) => void = () => {};
  let end: (answer: Answer) => void = () => {};
  const opened = new Promise<Answer>((resolve) => {
    acknowledge = resolve;
  });
  const ended = new Promise<Answer>((resolve) => {
    end = resolve;
  });
  let acknowledged = false;
  const cancel = send(message, (incoming) => {
    const answer = incoming.id === message.id;
    if (
      !acknowledged &&
      (answer || incoming.method === 'notifications/subscriptions/acknowledged')
    ) {
      acknowledged = true;
      acknowledge(readListenOpening(incoming));
    }
    if (answer) end(readInBand(incoming));
  });
  const streamEnded = Promise.race([ended, gone]);
  // A row may close the connection without waiting for every stream's end: the process then
  // exits 0 as asked, which `gone` reads as unexpected; only a row that awaits the end sees it.
  streamEnded.catch(() => {});
  return {
    opened: await Promise.race([opened, gone]),
    ended: streamEnded,
    close: () =>
      cancel({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: message.id },
      }),
  };
}
