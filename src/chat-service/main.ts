import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { createStore } from './create-store.js';
import { createChatService } from './server.js';

/**
 * `npm run chat-service`: the reference Chat service on its own, for gateways started with
 * `CHAT_GRPC_URL`, listening on `CHAT_GRPC_HOST` and `CHAT_GRPC_PORT`.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { verifiesTokens: false });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }

  const logger = pino({ name: 'chat-service', level: config.logLevel });
  const { store, kind } = await createStore(config);
  const service = createChatService({
    store,
    host: config.chat.host,
    port: config.chat.port,
    logger,
  });
  const { address } = await service.start();
  logger.info({ address, store: kind }, 'Chat service listening');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // A second signal means the operator will not wait for calls in flight.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'Chat service stopping');
    service
      .stop()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'Chat service failed to stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error('Chat service failed to start:', error);
  process.exit(1);
});
