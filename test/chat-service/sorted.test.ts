import { describe, expect, it } from 'vitest';
import { identity, insertSorted, lowerBound, removeSorted, upperBound } from '../../src/chat-service/sorted.js';

describe('sorted arrays', () => {
  it('finds bounds', () => {
    const items = [1, 3, 3, 5];
    expect([0, 1, 3, 4, 5, 6].map((key) => lowerBound(items, key, identity))).toEqual([0, 0, 1, 3, 3, 4]);
    expect([0, 1, 3, 4, 5, 6].map((key) => upperBound(items, key, identity))).toEqual([0, 1, 3, 3, 4, 4]);
    expect(lowerBound([], 1, identity)).toBe(0);
  });

  it('inserts in order and removes exact keys', () => {
    const items: string[] = [];
    for (const id of ['b', 'd', 'a', 'c', 'e']) insertSorted(items, id, identity);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(removeSorted(items, 'c', identity)).toBe(true);
    expect(removeSorted(items, 'c', identity)).toBe(false);
    expect(removeSorted(items, 'z', identity)).toBe(false);
    expect(items).toEqual(['a', 'b', 'd', 'e']);
  });
});
