/** Tells every session subscribed to a resource that it changed. */
export interface ResourceUpdates {
  /** Sends `notifications/resources/updated` to each session subscribed to `uri`. */
  notify(uri: string): void;
  /** Registers a session's listener; returns the function that removes it. */
  listen(listener: (uri: string) => void): () => void;
}

/** Creates the in-process hub of resource-update notifications, shared by the servers of one process. */
export function createResourceUpdates(): ResourceUpdates {
  const listeners = new Set<(uri: string) => void>();
  return {
    notify(uri) {
      for (const listener of listeners) listener(uri);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
