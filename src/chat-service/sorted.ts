/** Binary search over arrays kept sorted by a key, as the memory store's indexes are. */

/** Index of the first item whose key is greater than or equal to `key` (`items.length` if none). */
export function lowerBound<T, K extends string | number>(items: readonly T[], key: K, keyOf: (item: T) => K): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyOf(items[mid] as T) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first item whose key is greater than `key` (`items.length` if none). */
export function upperBound<T, K extends string | number>(items: readonly T[], key: K, keyOf: (item: T) => K): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyOf(items[mid] as T) <= key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Inserts keeping the order. Items mostly arrive in order, so the common case is a plain append;
 * the search only runs for the occasional straggler.
 */
export function insertSorted<T, K extends string | number>(items: T[], item: T, keyOf: (item: T) => K): void {
  const last = items[items.length - 1];
  if (last === undefined || keyOf(last) <= keyOf(item)) {
    items.push(item);
    return;
  }
  items.splice(upperBound(items, keyOf(item), keyOf), 0, item);
}

/** Removes the item with exactly this key, if present; answers whether it was. */
export function removeSorted<T, K extends string | number>(items: T[], key: K, keyOf: (item: T) => K): boolean {
  const index = lowerBound(items, key, keyOf);
  const found = items[index];
  if (found === undefined || keyOf(found) !== key) return false;
  items.splice(index, 1);
  return true;
}

export const identity = <T>(value: T): T => value;
