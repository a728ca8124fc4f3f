/**
 * `npm run dead-letters -- list` shows the messages the persistence workers gave up on;
 * `npm run dead-letters -- replay [id...]` puts the named ones (all, without ids) back onto the
 * persistence stream, once whatever made them fail is fixed. Uses `REDIS_URL` and `REDIS_PREFIX`.
 */
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../src/config.js';
import { createDeadLetters } from '../src/persistence/redis-dead-letters.js';

const [command, ...ids] = process.argv.slice(2);
if (command !== 'list' && command !== 'replay') {
  console.error('usage: npm run dead-letters -- list | replay [id...]');
  process.exit(2);
}

let config;
try {
  config = loadConfig(process.env, { verifiesTokens: false });
  if (!config.redisUrl) throw new ConfigError(['REDIS_URL is required: without Redis there is no dead-letter stream']);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const redis = new Redis(config.redisUrl!, { maxRetriesPerRequest: 1, connectionName: 'dead-letters' });
try {
  const deadLetters = createDeadLetters(redis, config.redisPrefix);
  if (command === 'list') {
    const letters = await deadLetters.list();
    for (const letter of letters) {
      console.log(
        [letter.id, letter.messageId || '-', letter.groupId || '-', String(letter.attempts), letter.error].join('\t'),
      );
    }
    console.error(`${letters.length} dead letter(s) in ${config.redisPrefix}:persist:dead`);
  } else {
    const replayed = await deadLetters.replay(ids);
    for (const id of replayed) console.log(id);
    const skipped = ids.filter((id) => !replayed.includes(id));
    if (skipped.length > 0) console.error(`not found: ${skipped.join(' ')}`);
    console.error(`${replayed.length} dead letter(s) replayed onto ${config.redisPrefix}:persist`);
  }
} finally {
  redis.disconnect();
}
