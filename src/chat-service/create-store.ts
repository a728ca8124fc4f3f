import { ConfigError, type Config } from '../config.js';
import { createMemoryChatStore } from './memory-store.js';
import type { ChatStore } from './store.js';

/**
 * Picks the Chat service's store from the configuration: the one place that changes when the
 * PostgreSQL store arrives. Until then a set `DATABASE_URL` is refused rather than ignored: an
 * operator who sets it expects messages to survive a restart, and memory would silently lose them.
 */
export function createStore(config: Config): ChatStore {
  if (config.chat.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL is set, but the PostgreSQL store of the Chat service is not available yet; unset it to store in memory',
    ]);
  }
  return createMemoryChatStore();
}
