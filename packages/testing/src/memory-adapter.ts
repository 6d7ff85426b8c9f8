import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Stored {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * An oidc-provider storage adapter that keeps everything in one server's memory, so two test
 * servers in one process never share grants or tokens. Expired entries are dropped on read.
 */
export function createMemoryAdapterFactory(): new (model: string) => Adapter {
  const store = new Map<string, Stored>();
  const index = new Map<string, string>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry?.payload;
  };

  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string) {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      const key = this.key(id);
      store.set(key, {
        payload,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
      });
      if (payload.grantId) index.set(`grant:${payload.grantId}:${key}`, key);
      if (payload.userCode) index.set(`userCode:${payload.userCode}`, key);
      if (payload.uid) index.set(`uid:${payload.uid}`, key);
    }

    async find(id: string) {
      return live(this.key(id));
    }

    async findByUserCode(userCode: string) {
      const key = index.get(`userCode:${userCode}`);
      return key ? live(key) : undefined;
    }

    async findByUid(uid: string) {
      const key = index.get(`uid:${uid}`);
      return key ? live(key) : undefined;
    }

    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string) {
      const prefix = `grant:${grantId}:`;
      for (const [name, key] of index) {
        if (!name.startsWith(prefix)) continue;
        store.delete(key);
        index.delete(name);
      }
    }
  };
}
