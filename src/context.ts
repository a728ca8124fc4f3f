import DataLoader from 'dataloader';
import type { Viewer } from './auth/viewer.js';
import { unauthenticated } from './errors.js';
import type { UserRef } from './model.js';
import type { Services } from './services.js';

/** What every resolver receives: the caller, the services, and per-request loaders. */
export interface GraphQLContext {
  viewer: Viewer | null;
  services: Services;
  /** Users by id, batched: one Chat service call per request however many names it shows. */
  userLoader: DataLoader<string, UserRef>;
}

export function createGraphQLContext(services: Services, viewer: Viewer | null): GraphQLContext {
  let userLoader: DataLoader<string, UserRef> | undefined;
  return {
    viewer,
    services,
    // Made on first use: most operations (every sendMessage) show no name the message lacks.
    get userLoader() {
      return (userLoader ??= createUserLoader(services));
    },
  };
}

function createUserLoader(services: Services): DataLoader<string, UserRef> {
  return new DataLoader(async (ids) => {
    const { users } = await services.chat.getUsers({ ids: [...ids] });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => ({ id, name: byId.get(id)?.name || id }));
  });
}

export function requireViewer(context: GraphQLContext): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}
