import type { ServerLabels } from './request-observation.js';

const labels = new WeakMap<object, ServerLabels>();

/** Remembers what a server was built for, so the channel it is connected to can label its spans. */
export function labelServer(server: object, serverLabels: ServerLabels): void {
  labels.set(server, serverLabels);
}

/** The labels {@link labelServer} gave `server`; `undefined` for a server not built by the factory. */
export function labelsOf(server: object): ServerLabels | undefined {
  return labels.get(server);
}
