import { describe, expect, it } from 'vitest';
import { createGraphQLContext } from '../src/context.js';
import type { Services } from '../src/services.js';

/** Services whose Chat service answers every user by id and records each call. */
function fakeServices() {
  const calls: string[][] = [];
  const services = {
    chat: {
      getUsers: async ({ ids }: { ids: string[] }) => {
        calls.push(ids);
        return { users: ids.filter((id) => id !== 'unknown').map((id) => ({ id, name: `name of ${id}` })) };
      },
    },
  } as unknown as Services;
  return { services, calls };
}

describe('createGraphQLContext', () => {
  it('makes its user loader on first use, once, and batches what one turn asks', async () => {
    const { services, calls } = fakeServices();
    const context = createGraphQLContext(services, null);
    expect(calls).toEqual([]);
    expect(context.userLoader).toBe(context.userLoader);
    const users = await Promise.all(['a', 'b', 'unknown'].map((id) => context.userLoader.load(id)));
    expect(users).toEqual([
      { id: 'a', name: 'name of a' },
      { id: 'b', name: 'name of b' },
      { id: 'unknown', name: 'unknown' },
    ]);
    expect(calls).toEqual([['a', 'b', 'unknown']]);
  });

  it('keeps a working loader when copied into another context, as yoga merges its own', async () => {
    const { services } = fakeServices();
    const merged = Object.assign({ request: 'yoga' }, createGraphQLContext(services, null));
    expect(await merged.userLoader.load('c')).toEqual({ id: 'c', name: 'name of c' });
    expect(merged.userLoader).toBe(merged.userLoader);
  });
});
