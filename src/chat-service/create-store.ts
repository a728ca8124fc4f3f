import type { Config } from '../config.js';
import { createMemoryChatStore } from './memory-store.js';
import { createPostgresChatStore } from './postgres-store.js';
import type { ChatStore } from './store.js';

export type StoreKind = 'postgres' | 'memory';

/**
 * Picks the Chat service's store from the configuration: PostgreSQL when `DATABASE_URL` is set
 * (its schema migrated before the store is handed out), memory otherwise. The caller closes it.
 */
export async function createStore(config: Config): Promise<{ store: ChatStore; kind: StoreKind }> {
  if (config.chat.databaseUrl) {
    return { store: await createPostgresChatStore({ connectionString: config.chat.databaseUrl }), kind: 'postgres' };
  }
  return { store: createMemoryChatStore(), kind: 'memory' };
}
