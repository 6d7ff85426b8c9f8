import { telemetry } from './telemetry.js';

/** What {@link trackOpen} counts: `portcullis.open.kind`. */
export type OpenKind = 'session' | 'websocket' | 'listen_stream';

const NOTHING = () => {};

/**
 * Counts one more open session, WebSocket connection or listen stream on `portcullis.open`,
 * and returns the function that counts it closed (once, however often it is called).
 */
export function trackOpen(kind: OpenKind, transport: string): () => void {
  const { instruments } = telemetry();
  if (!instruments) return NOTHING;
  const attributes = { 'portcullis.open.kind': kind, 'portcullis.transport': transport };
  instruments.open.add(1, attributes);
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    instruments.open.add(-1, attributes);
  };
}
