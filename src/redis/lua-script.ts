import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EncodedCommand, encodeCommand } from './encoded-command.js';
import { createTurnCork } from './turn-cork.js';

/** A Lua script on one connection, for a caller that sends it for every message. */
export interface LuaScript {
  /**
   * Runs the script with `keys` then `args`, leaving with the connection's other commands of this
   * turn of the event loop, and under load of the next few (see `createTurnCork`); answers its
   * reply, strings decoded as UTF-8.
   */
  run(keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/**
 * Sent by its SHA1 (EVALSHA); when Redis does not have it (it restarted, or its scripts were
 * flushed) the script itself goes (EVAL), and Redis keeps it from then on. Each request is encoded
 * in one buffer: see `EncodedCommand`. A connection that refuses commands (offline) fails the run at once.
 */
export function createLuaScript(redis: Redis, lua: string): LuaScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  const corkForTurn = createTurnCork(redis);

  const send = (name: 'EVALSHA' | 'EVAL', script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> => {
    corkForTurn();
    const command = new EncodedCommand(name.toLowerCase(), encodeCommand([name, script, String(keys.length), ...keys, ...args]));
    void redis.sendCommand(command);
    return command.promise;
  };

  return {
    async run(keys, args) {
      try {
        return await send('EVALSHA', sha, keys, args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return send('EVAL', lua, keys, args);
      }
    },
  };
}
