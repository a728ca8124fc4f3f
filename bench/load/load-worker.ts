/**
 * One load-generator process: opens its share of sockets, subscribes them, sends at the rate the
 * orchestrator asks for and measures each delivery and each ack. Driven over IPC (worker-messages.ts).
 */
import { BenchSocket, FrameType, type ControlFrame } from './bench-socket.js';
import { Histogram } from './histogram.js';
import { sendsOwed } from './pacing.js';
import {
  CONTENT_MARK,
  JOIN_GROUP_MUTATION,
  NEW_MESSAGE_RESUME_SUBSCRIPTION,
  NEW_MESSAGE_SUBSCRIPTION,
  SEND_MESSAGE_MUTATION,
  cursorIn,
  messageContent,
  nowMicros,
  parseContent,
} from './operations.js';
import type { ChurnReport, ConnectReply, SocketSpec, StepReport, WorkerReply, WorkerRequest } from './worker-messages.js';

const SUBSCRIPTION_ID = 's';
const JOIN_ID = 'j';
const SEND_TICK_MS = 5;
const MAX_ERROR_SAMPLES = 5;
/** Longest a churned socket waits for the answers to its sends before it goes. */
const SEND_ANSWER_WAIT_MS = 5000;

interface StepState {
  attempted: number;
  acked: number;
  errored: number;
  errorSamples: string[];
  expected: number;
  received: number;
  receivedInWindow: number;
  sendingMs: number;
  latency: Histogram;
  ack: Histogram;
}

interface PendingSend {
  socket: BenchSocket;
  step: number;
  sentMicros: number;
  deliveries: number;
}

const sockets: BenchSocket[] = [];
/** What each open socket was opened with, so churn can reopen it as the same user. */
const specOf = new Map<BenchSocket, SocketSpec>();
const churn: ChurnReport = { cycles: 0, failures: 0, errors: [], running: false };
/**
 * For sockets opened to resume (`SocketSpec.resumes`): the cursor of the last message each one
 * counted, so that its user resumes after it; a socket being replaced counts nothing more (what it
 * still receives, the resumed one gets).
 */
const lastCursor = new WeakMap<BenchSocket, string>();
const retired = new WeakSet<BenchSocket>();
/** Sockets allowed to send, by group, and which of them sends next. */
const senders = new Map<string, { sockets: BenchSocket[]; next: number }>();
const steps = new Map<number, StepState>();
const pending = new Map<string, PendingSend>();
let activeStep: StepState | undefined;
let sendSeq = 0;
let unexpectedCloses = 0;

function stepState(step: number): StepState {
  let state = steps.get(step);
  if (!state) {
    state = { attempted: 0, acked: 0, errored: 0, errorSamples: [], expected: 0, received: 0, receivedInWindow: 0, sendingMs: 0, latency: new Histogram(), ack: new Histogram() };
    steps.set(step, state);
  }
  return state;
}

function sampleError(state: StepState, text: string) {
  if (state.errorSamples.length < MAX_ERROR_SAMPLES) state.errorSamples.push(text.slice(0, 300));
}

/** The hot path: every delivery of every socket goes through here. */
function onFrame(text: string): boolean {
  const at = text.indexOf(CONTENT_MARK);
  if (at < 0) return false;
  const received = nowMicros();
  const { step, sentMicros } = parseContent(text, at);
  const state = stepState(step);
  state.received++;
  state.latency.record(received - sentMicros);
  if (activeStep) activeStep.receivedInWindow++;
  return true;
}

/** Acks and errors of sends, shared by every socket (send ids are unique in this process). */
function onSendControl(frame: ControlFrame): void {
  const send = frame.id ? pending.get(frame.id) : undefined;
  if (!send) return;
  const state = stepState(send.step);
  if (frame.type === FrameType.Next) {
    if (frame.payload?.errors?.length) {
      failSend(frame.id!, send, state, JSON.stringify(frame.payload.errors[0]));
    } else {
      state.acked++;
      state.ack.record(nowMicros() - send.sentMicros);
      pending.delete(frame.id!);
    }
  } else if (frame.type === FrameType.Error) {
    failSend(frame.id!, send, state, JSON.stringify(frame.payload));
  }
}

function failSend(id: string, send: PendingSend, state: StepState, text: string) {
  state.errored++;
  state.expected -= send.deliveries;
  sampleError(state, text);
  pending.delete(id);
}

async function connectOne(spec: SocketSpec, timeoutMs: number): Promise<BenchSocket> {
  let joined: ((frame: ControlFrame) => void) | undefined;
  const socket: BenchSocket = new BenchSocket({
    onFrame: (text) => {
      if (!spec.resumes) return onFrame(text);
      if (retired.has(socket)) return true;
      if (!onFrame(text)) return false;
      const cursor = cursorIn(text);
      if (cursor) lastCursor.set(socket, cursor);
      return true;
    },
    onControl(frame) {
      if (frame.id === JOIN_ID && joined) return joined(frame);
      if (frame.id === SUBSCRIPTION_ID && (frame.type === FrameType.Error || frame.payload?.errors)) {
        process.stderr.write(`subscription failed: ${JSON.stringify(frame.payload).slice(0, 300)}\n`);
        return;
      }
      onSendControl(frame);
    },
    onUnexpectedClose: () => void unexpectedCloses++,
  });
  await socket.open(spec.url, spec.token ? { authorization: `Bearer ${spec.token}` } : {}, timeoutMs);
  if (spec.join) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('joinGroup timed out')), timeoutMs);
      joined = (frame) => {
        if (frame.type === FrameType.Complete) {
          clearTimeout(timer);
          resolve();
        } else if (frame.type === FrameType.Error || frame.payload?.errors) {
          clearTimeout(timer);
          reject(new Error(`joinGroup failed: ${JSON.stringify(frame.payload)}`));
        }
      };
      socket.subscribe(JOIN_ID, JOIN_GROUP_MUTATION, { groupId: spec.groupId });
    });
    joined = undefined;
  }
  if (spec.subscribe) {
    const { groupId, after } = spec;
    if (after) socket.subscribe(SUBSCRIPTION_ID, NEW_MESSAGE_RESUME_SUBSCRIPTION, { groupId, after });
    else socket.subscribe(SUBSCRIPTION_ID, NEW_MESSAGE_SUBSCRIPTION, { groupId });
  }
  if (spec.send) {
    let entry = senders.get(spec.groupId);
    if (!entry) senders.set(spec.groupId, (entry = { sockets: [], next: 0 }));
    entry.sockets.push(socket);
  }
  specOf.set(socket, spec);
  return socket;
}

/** Resolves once none of the socket's sends awaits its answer, or after `timeoutMs`. */
async function sendsAnswered(socket: BenchSocket, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  const waiting = () => {
    for (const send of pending.values()) if (send.socket === socket) return true;
    return false;
  };
  while (waiting() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, SEND_TICK_MS));
}

/**
 * Sockets leaving and their users coming back, all the time: every cycle takes the socket open the
 * longest, lets the answers to its sends arrive (a send cut off unanswered leaves its sender, and
 * the count, not knowing whether it was stored), closes it (a proper close and a dropped
 * connection in turn) and opens a new one for the same user, which subscribes again after the
 * last message the old one received: every message is still expected by every member, so what
 * the gap would lose shows as lost.
 */
function runChurn(cyclesPerSecond: number, durationMs: number) {
  churn.running = true;
  const started = performance.now();
  let begun = 0;
  const cycle = async (socket: BenchSocket, dropConnection: boolean) => {
    const spec = specOf.get(socket)!;
    specOf.delete(socket);
    const entry = senders.get(spec.groupId);
    if (entry) entry.sockets = entry.sockets.filter((candidate) => candidate !== socket);
    await sendsAnswered(socket, SEND_ANSWER_WAIT_MS);
    retired.add(socket);
    // A socket replaced before any message reached it resumes where the one before it left off.
    const after = lastCursor.get(socket) ?? spec.after;
    if (dropConnection) socket.close();
    else socket.leave();
    try {
      sockets.push(await connectOne({ ...spec, join: false, after }, 10_000));
      churn.cycles++;
    } catch (error) {
      churn.failures++;
      if (churn.errors.length < MAX_ERROR_SAMPLES) churn.errors.push((error as Error).message);
    }
  };
  const tick = () => {
    const elapsed = Math.min(performance.now() - started, durationMs);
    const owed = Math.floor((cyclesPerSecond * elapsed) / 1000) - begun;
    for (let i = 0; i < owed && sockets.length > 0; i++) {
      void cycle(sockets.shift()!, begun++ % 2 === 1);
    }
    if (elapsed >= durationMs) churn.running = false;
    else setTimeout(tick, SEND_TICK_MS);
  };
  tick();
}

async function connect(specs: SocketSpec[], concurrency: number, timeoutMs: number): Promise<ConnectReply> {
  const reply: ConnectReply = { opened: 0, failed: 0, errors: [] };
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        sockets.push(await connectOne(spec, timeoutMs));
        reply.opened++;
      } catch (error) {
        reply.failed++;
        if (reply.errors.length < MAX_ERROR_SAMPLES) reply.errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return reply;
}

/**
 * Sends at `sendsPerSecond` for `durationMs`, round-robin over groups and over each group's senders,
 * the schedule shifted by `phase` so that the fleet's workers take turns. A late tick sends what is
 * owed, so the offered rate holds even when ticks slip.
 */
function runStep(step: number, sendsPerSecond: number, phase: number, durationMs: number, subscribersByGroup: Record<string, number>, padding: string) {
  const state = stepState(step);
  activeStep = state;
  const groups = [...senders.entries()];
  let groupIndex = 0;
  const started = performance.now();
  const tick = () => {
    const elapsed = Math.min(performance.now() - started, durationMs);
    const owed = sendsOwed(sendsPerSecond, elapsed, phase, state.attempted);
    for (let i = 0; i < owed && groups.length > 0; i++) {
      const [groupId, entry] = groups[groupIndex++ % groups.length]!;
      // Under churn every sender of a group may be reconnecting at once: that send goes to the next tick.
      if (entry.sockets.length === 0) continue;
      const socket = entry.sockets[entry.next++ % entry.sockets.length]!;
      const id = `m${++sendSeq}`;
      const sentMicros = nowMicros();
      const deliveries = subscribersByGroup[groupId] ?? 0;
      pending.set(id, { socket, step, sentMicros, deliveries });
      state.attempted++;
      state.expected += deliveries;
      socket.sendRaw(
        JSON.stringify({
          id,
          type: FrameType.Subscribe,
          payload: { query: SEND_MESSAGE_MUTATION, variables: { input: { groupId, content: messageContent(step, sentMicros, padding), clientMessageId: id } } },
        }),
      );
    }
    if (elapsed >= durationMs) {
      state.sendingMs = elapsed;
      if (activeStep === state) activeStep = undefined;
      return;
    }
    setTimeout(tick, SEND_TICK_MS);
  };
  tick();
}

function report(step: number): StepReport {
  const state = stepState(step);
  let unacked = 0;
  for (const send of pending.values()) if (send.step === step) unacked++;
  return {
    step,
    attempted: state.attempted,
    acked: state.acked,
    errored: state.errored,
    errorSamples: state.errorSamples,
    unacked,
    expected: state.expected,
    received: state.received,
    receivedInWindow: state.receivedInWindow,
    sendingMs: state.sendingMs,
    latency: state.latency.serialize(),
    ack: state.ack.serialize(),
    unexpectedCloses,
  };
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'connect':
      return connect(request.sockets, request.concurrency, request.timeoutMs);
    case 'step':
      runStep(request.step, request.sendsPerSecond, request.phase, request.durationMs, request.subscribersByGroup, request.padding);
      return { started: true };
    case 'report':
      return report(request.step);
    case 'churn':
      runChurn(request.cyclesPerSecond, request.durationMs);
      return { started: true };
    case 'churn-report':
      return churn;
    case 'close':
      for (const socket of sockets.splice(0)) socket.close();
      specOf.clear();
      senders.clear();
      pending.clear();
      unexpectedCloses = 0;
      return { closed: true };
  }
}

process.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (result) => process.send!({ reqId: request.reqId, ok: true, result } satisfies WorkerReply),
    (error: unknown) => process.send!({ reqId: request.reqId, ok: false, error: String((error as Error)?.stack ?? error) } satisfies WorkerReply),
  );
});
// The orchestrator's death ends the worker: nothing is left holding sockets.
process.on('disconnect', () => process.exit(0));
