import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectNodeMetrics } from './node-metrics.js';

/** The gateway's Prometheus metrics, in a registry of its own so several servers can share a process. */
export function createMetrics() {
  const registry = new Registry();
  collectNodeMetrics(registry, 'campushub_');
  const registers = [registry];
  return {
    registry,
    sockets: new Gauge({ name: 'campushub_ws_sockets', help: 'Open WebSocket connections.', registers }),
    subscriptions: new Gauge({ name: 'campushub_subscriptions', help: 'Active GraphQL subscriptions.', registers }),
    connectionsRefused: new Counter({
      name: 'campushub_ws_connections_refused_total',
      help: 'WebSocket connections refused, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    messagesSent: new Counter({
      name: 'campushub_messages_sent_total',
      help: 'Messages acked by sendMessage, by type.',
      labelNames: ['msg_type'] as const,
      registers,
    }),
    messagesRepeated: new Counter({
      name: 'campushub_messages_repeated_total',
      help: 'sendMessage calls answered with the message their clientMessageId was already sent as (a client sending again after a lost answer).',
      registers,
    }),
    sendDuration: new Histogram({
      name: 'campushub_send_message_ack_seconds',
      help: 'Time from receiving sendMessage to its ack.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    deliveries: tallyCounter({
      name: 'campushub_deliveries_total',
      help: 'Subscription events sent to sockets, by subscription field.',
      labelName: 'field',
      registers,
    }),
    socketWrites: countedTally({
      name: 'campushub_ws_writes_total',
      help: 'Writes to WebSocket connections: the frames a socket gets in one turn of the event loop leave in one write, so frames over writes is how many each write carried.',
      registers,
    }),
    socketFrames: countedTally({
      name: 'campushub_ws_frames_total',
      help: 'WebSocket frames sent: subscription events, operation results and acks, keep-alive pings.',
      registers,
    }),
    slowSockets: new Counter({
      name: 'campushub_ws_slow_sockets_closed_total',
      help: 'Sockets closed (4002) because their client stopped reading and too many bytes queued up.',
      registers,
    }),
    errors: new Counter({
      name: 'campushub_graphql_errors_total',
      help: 'GraphQL errors answered, by code.',
      labelNames: ['code'] as const,
      registers,
    }),
    saveDuration: new Histogram({
      name: 'campushub_message_save_seconds',
      help: 'Time the Chat service took to store a queued message.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    saveRetries: new Counter({ name: 'campushub_message_save_retries_total', help: 'Failed saves that will be retried.', registers }),
    deadLetters: new Counter({ name: 'campushub_message_dead_letters_total', help: 'Messages that failed every save attempt.', registers }),
    heapCompactions: new Counter({
      name: 'campushub_heap_compactions_total',
      help: 'Heap compactions run while the event loop was quiet, after the heap grew by HEAP_COMPACTION_MB.',
      registers,
    }),
    heapCompactionPause: new Histogram({
      name: 'campushub_heap_compaction_pause_seconds',
      help: 'How long each quiet-time heap compaction stopped the event loop.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What a hot path counts with: a plain number, added to its counter when metrics are read. */
export interface Tally {
  count: number;
}

/**
 * A counter with one label for paths that count every event: `tally(value)` hands out the label's
 * tally once, each event adds to it with a plain addition instead of prom-client hashing the labels,
 * and the counts are folded into the counter whenever the registry is collected.
 */
function tallyCounter(config: { name: string; help: string; labelName: string; registers: Registry[] }) {
  const tallies = new Map<string, Tally>();
  let folded = 0;
  new Counter({
    name: config.name,
    help: config.help,
    labelNames: [config.labelName],
    registers: config.registers,
    collect() {
      for (const [value, tally] of tallies) {
        this.inc({ [config.labelName]: value }, tally.count);
        folded += tally.count;
        tally.count = 0;
      }
    },
  });
  return {
    tally(value: string): Tally {
      let tally = tallies.get(value);
      if (!tally) tallies.set(value, (tally = { count: 0 }));
      return tally;
    },
    /** Everything counted so far, under every label, whether or not metrics were read since. */
    total(): number {
      let total = folded;
      for (const tally of tallies.values()) total += tally.count;
      return total;
    },
  };
}

/** An unlabelled counter counted with a plain addition (see `tallyCounter`). */
function countedTally(config: { name: string; help: string; registers: Registry[] }): Tally {
  const tally: Tally = { count: 0 };
  new Counter({
    ...config,
    collect() {
      this.inc(tally.count);
      tally.count = 0;
    },
  });
  return tally;
}
