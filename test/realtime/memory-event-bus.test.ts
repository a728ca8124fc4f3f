import { randomUUID } from 'node:crypto';
import { createMemoryEventBus } from '../../src/realtime/memory-event-bus.js';
import { describeEventBus } from './event-bus-contract.js';

const run = randomUUID();
describeEventBus(
  'memory bus',
  { create: (onListenerError) => createMemoryEventBus({ onListenerError }), channel: (name) => `${run}:${name}` },
  { crossesProcesses: false },
);
