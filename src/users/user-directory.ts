import type { Viewer } from '../auth/viewer.js';
import type { ChatRpcClient } from '../chat-rpc/chat-client.js';

export interface UserDirectory {
  /**
   * Makes sure the Chat service knows the viewer under the name in their token. Called on every
   * authenticated request, it reaches the Chat service only the first time a given name is seen.
   */
  remember(viewer: Viewer): Promise<void>;
  /** The name to show for the viewer: the token's, else the stored one, else the id. */
  displayName(viewer: Viewer): Promise<string>;
}

export interface UserDirectoryOptions {
  chat: ChatRpcClient;
  /** Users whose name is remembered in this process, default 100,000. */
  maxEntries?: number;
}

export function createUserDirectory(options: UserDirectoryOptions): UserDirectory {
  const { chat } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  /** User id → the name the Chat service holds, as far as this process knows. */
  const known = new Map<string, Promise<string>>();

  const remembered = (userId: string, name: Promise<string>) => {
    known.delete(userId);
    known.set(userId, name);
    name.catch(() => known.get(userId) === name && known.delete(userId));
    if (known.size > maxEntries) known.delete(known.keys().next().value as string);
    return name;
  };

  const storedName = (viewer: Viewer): Promise<string> => {
    const cached = known.get(viewer.id);
    if (cached) return cached;
    return remembered(
      viewer.id,
      chat.upsertUser({ id: viewer.id, name: viewer.name ?? '' }).then((user) => user.name || viewer.id),
    );
  };

  return {
    async remember(viewer) {
      const name = await storedName(viewer);
      if (viewer.name && name !== viewer.name) {
        await remembered(viewer.id, chat.upsertUser({ id: viewer.id, name: viewer.name }).then((user) => user.name));
      }
    },
    async displayName(viewer) {
      return viewer.name ?? (await storedName(viewer));
    },
  };
}
