import { pino } from 'pino';
import { createMemoryChatStore } from '../../src/chat-service/memory-store.js';
import { createChatService } from '../../src/chat-service/server.js';

export const testLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The reference Chat service in this process, on memory: what every gateway of a test shares. */
export async function startSharedChatService(): Promise<{ address: string; stop(): Promise<void> }> {
  const service = createChatService({ store: createMemoryChatStore(), logger: testLogger() });
  const { address } = await service.start();
  return { address, stop: () => service.stop() };
}
