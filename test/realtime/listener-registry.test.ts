import { describe, expect, it, vi } from 'vitest';
import { ListenerRegistry } from '../../src/realtime/listener-registry.js';

describe('ListenerRegistry', () => {
  it('tells its owner of a channel’s first listener and its last, however many come and go between', () => {
    const onFirst = vi.fn();
    const onLast = vi.fn();
    const registry = new ListenerRegistry({ onFirst, onLast });
    const heard: string[] = [];

    const a = registry.add('c', (payload) => heard.push(`a${String(payload)}`));
    const b = registry.add('c', (payload) => heard.push(`b${String(payload)}`));
    const c = registry.add('c', (payload) => heard.push(`c${String(payload)}`));
    registry.dispatch('c', 1);
    b();
    registry.dispatch('c', 2);
    a();
    registry.dispatch('c', 3);
    const d = registry.add('c', (payload) => heard.push(`d${String(payload)}`));
    registry.dispatch('c', 4);
    c();
    d();
    registry.dispatch('c', 5);

    expect(heard).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'c3', 'c4', 'd4']);
    expect(onFirst).toHaveBeenCalledTimes(1);
    expect(onLast).toHaveBeenCalledTimes(1);
    expect(registry.has('c')).toBe(false);
  });

  it('counts the same function subscribed twice as two subscriptions, and a second cancel as nothing', () => {
    const registry = new ListenerRegistry();
    const listener = vi.fn();
    const first = registry.add('c', listener);
    registry.add('c', listener);
    registry.dispatch('c', 'x');
    first();
    first();
    registry.dispatch('c', 'y');
    expect(listener.mock.calls).toEqual([['x'], ['x'], ['y']]);
    expect(registry.has('c')).toBe(true);
  });

  it('lets a listener cancel another during a dispatch without disturbing it', () => {
    const registry = new ListenerRegistry();
    const heard: string[] = [];
    let cancelB = () => {};
    registry.add('c', () => {
      heard.push('a');
      cancelB();
    });
    cancelB = registry.add('c', () => heard.push('b'));
    registry.add('c', () => heard.push('c'));
    registry.dispatch('c', null);
    registry.dispatch('c', null);
    expect(heard).toEqual(['a', 'c', 'a', 'c']);
  });

  it('isolates a listener that throws, alone on its channel or among others', () => {
    const onListenerError = vi.fn();
    const registry = new ListenerRegistry({ onListenerError });
    const failure = new Error('boom');
    registry.add('alone', () => {
      throw failure;
    });
    const after = vi.fn();
    registry.add('shared', () => {
      throw failure;
    });
    registry.add('shared', after);
    registry.dispatch('alone', 1);
    registry.dispatch('shared', 2);
    expect(onListenerError.mock.calls).toEqual([
      ['alone', failure],
      ['shared', failure],
    ]);
    expect(after).toHaveBeenCalledWith(2);
  });

  it('ignores cancels of registrations made before a clear', () => {
    const onLast = vi.fn();
    const registry = new ListenerRegistry({ onLast });
    const stale = registry.add('c', () => {});
    registry.clear();
    const fresh = vi.fn();
    registry.add('c', fresh);
    stale();
    registry.dispatch('c', 1);
    expect(fresh).toHaveBeenCalledWith(1);
    expect(onLast).not.toHaveBeenCalled();
  });
});
