import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection that also moves every live object off fragmented pages. */
export type CompactingCollection = () => void;

/**
 * V8's full collection with compaction of every fragmented page, so the pages it empties go back
 * to the system. An ordinary full collection frees garbage but compacts only a few megabytes of
 * pages: after a burst has spread what stays alive over a heap several times its size, the process
 * keeps that heap until V8 next runs out of room.
 *
 * The collector is V8's `gc` extension, taken from a fresh context with `--expose-gc` set only
 * while that context is created (as Jest does), so no global `gc` appears in the gateway's own
 * context; `--compact-on-every-full-gc` is set only for the collection.
 */
export function createCompactingCollection(): CompactingCollection {
  const gc = exposedGc();
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

function exposedGc(): () => void {
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === 'function') return global;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
