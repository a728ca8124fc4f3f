import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STALL_METER_INTERVAL_MS } from '../process/stall-meter.js';
import type { BenchResults } from '../results.js';
import { failureText, IDLE_CORES, IDLE_SAMPLE_MS, MAX_SETTLE_MS, type StepResult } from '../scenarios/measure-step.js';
import { IDLE_RSS_WAIT_MS, idleRssPerSocket } from '../scenarios/system-session.js';
import { checkTargets, peakStep, ratio, systemOf, type TargetCheck } from './targets.js';

const num = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : Math.round(v).toLocaleString('en'));
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const kib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`);
const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} ms`);
const times = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}×`);
const mark = (check: TargetCheck) =>
  check.met === null ? 'not measured' : check.met ? '**met**' : check.outOfReach ? '**not met**: the wire misses it too, out of reach on this machine' : '**not met**';

/** BENCHMARKS.md from one run's results: the figures, the targets judged against them, the method. */
export function renderBenchmarksMarkdown(results: BenchResults): string {
  const o = results.options;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `Fan-out of the gateway beside its peers, measured in one run (\`${results.runId}\`, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC` +
      `${o.quick ? ', **quick smoke run: a tenth of the sockets, short steps — not a measurement**' : ''}). ` +
      `Raw figures: [\`bench/results/${results.runId}.json\`](bench/results/${results.runId}.json). Re-run with \`npm run bench\` (about 30 minutes; ` +
      '`npm run bench -- --quick` for a smoke run); this file is rewritten by every run.',
    '',
  );
  if (results.error) out.push(`> The run stopped early: \`${results.error.split('\n')[0]}\``, '');

  out.push('## Targets', '', 'Judged only against figures from this same run.', '', '| Target | Scope | Measured | |', '| --- | --- | --- | --- |');
  for (const check of checkTargets(results)) out.push(`| ${check.target} | ${check.scope} | ${check.value} | ${mark(check)} |`);
  out.push('');

  out.push('## Machine and conditions', '');
  const m = results.machine;
  out.push(
    `- ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}. **The load generator, the servers, the gateway's Chat service and Redis all share these ${m.cpus} cores**: ` +
      'every figure is what is left for a server after the generator took its share, and a system that needs less CPU per delivery leaves more to the generator. ' +
      'Absolute rates are far below what a dedicated server would do; the ratios between systems are the point.',
    `- Load average at start ${m.loadAverageAtStart.join(' / ')}${m.busyProcessesAtStart.length ? `; busy processes at start: ${m.busyProcessesAtStart.map((p) => `\`${p}\``).join(', ')}` : ''}. ` +
      'Other engineers\' test suites may have run on the same cores during the run: the load average at the start of each system\'s run is in the JSON (`loadAverageAtStart`).',
    `- File descriptors: ${m.fdLimit.raised ? `raised to ${m.fdLimit.soft} with prlimit for the harness and every child` : `left at ${m.fdLimit.soft} (${m.fdLimit.note ?? ''})`}.`,
    `- Steps of ${o.stepMs / 1000} s, drained for up to ${o.maxDrainMs / 1000} s. Offered rates start at ${num(o.ladder.start)} deliveries/s (or 2 messages/s, whichever is more: 10,000/s for a group of 5,000), ×${o.ladder.factor} per step (at most ${o.ladder.maxSteps} steps) until a step fails, then ${o.ladder.refinements} step(s) between the last pass and the first failure (geometric mean); a first step that fails is followed by lower ones.${repeatText(o.ladder.repeatWithin)} Before the ladder one unjudged 3 s step at the first rate warms each fresh process up. ${o.workers} load-generator processes.`,
    ...(waitsForIdle(results)
      ? [
          `- Before each step the harness waits until the system's processes (its server, for the gateway the Chat service${readsRedis(results) ? ', and the shared Redis' : ''}) use under ${IDLE_CORES} of a core over ${IDLE_SAMPLE_MS} ms, for at most ${MAX_SETTLE_MS / 1000} s, so that a step after an overloaded one measures its own rate and not the backlog still being delivered, stored or collected. How long each step waited is in the JSON (\`settleMs\`); \`settled: false\` marks a step that began on a system still busy.`,
        ]
      : []),
    '',
  );

  out.push('## Fan-out', '');
  out.push(`![Delivered against offered deliveries per second](bench/results/${results.chart ?? `${results.runId}.png`})`, '');
  const p99LimitMs = results.options.p99LimitMs ?? 200;
  if (p99LimitMs !== 200) out.push(`**This run let steps pass up to p99 ≤ ${p99LimitMs} ms, not 200 ms: its peaks do not answer the targets.**`, '');
  out.push(
    `Peak = the highest delivered rate among steps with p99 ≤ ${p99LimitMs} ms and nothing lost, failed or unacknowledged. ` +
      '"Half" = one extra step at half the gateway\'s peak offered rate, the same rate for every system. CPU is the server process\'s own (utime + stime from `/proc/<pid>/stat`) from the start of the step to the end of its drain, divided by the deliveries; for the gateway it excludes the Chat service process (shown in the JSON as `auxiliaryCpuSeconds`). ' +
      `Cores, over the same time: the server process's, the load generator processes', the shared Redis's and the whole machine's (every process and the kernel's network work, from \`/proc/stat\`), out of ${m.cpus}; a machine near ${m.cpus} was full, and latency there is partly waiting for a core. ` +
      'Redis µs/delivery: the Redis process\'s CPU over the step per delivery, the share of each delivery\'s cost that the server\'s own figure leaves out (the wire uses no Redis). ' +
      'Frames/write (gateway only, from its metrics): the frames each socket write carried on average in the step; 1 is a write syscall per frame. ' +
      `Machine stall: the longest that a process of the harness's own, which only sleeps ${STALL_METER_INTERVAL_MS} ms at a time, woke late in the step; a stall of the whole machine (the hypervisor, the kernel, every core taken) shows there, one of the server's own only in its event loop's.`,
    '',
  );
  for (const workload of results.workloads) {
    out.push(`### ${workload.sockets.toLocaleString('en')} sockets in ${workload.groups.toLocaleString('en')} group${workload.groups > 1 ? 's' : ''} of ${workload.groupSize.toLocaleString('en')} (\`${workload.name}\`)`, '');
    out.push(
      '| System | Sockets | Peak deliveries/s | at offered | p99 at peak | CPU µs/delivery at peak (cores) | Redis µs/delivery at peak | p50 / p99 at half | ack p50 / p99 at half | RSS/socket idle | first failure |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const system of workload.systems) {
      const peak = peakStep(system);
      const half = system.halfGatewayPeak;
      const failed = system.steps.find((step) => !step.passed && !step.passedOnRepeat);
      out.push(
        `| ${system.system} | ${system.setup ? `${system.setup.opened}/${system.setup.sockets}` : 'n/a'} | ${num(system.peak?.deliveredPerSecond)} | ${num(system.peak?.offeredPerSecond)} | ${ms(peak?.latencyMs.p99)} | ` +
          `${peak?.serverCpuMicrosPerDelivery ?? 'n/a'} (${peak?.serverCpuUtilisation ?? 'n/a'}) | ${peak?.redisCpuMicrosPerDelivery ?? 'n/a'} | ${half ? `${half.latencyMs.p50} / ${half.latencyMs.p99} ms${half.passed ? '' : ` (${failureText(half)})`}` : 'n/a'} | ` +
          `${half ? `${half.ackMs.p50} / ${half.ackMs.p99} ms` : 'n/a'} | ${kib(system.setup && idleRssPerSocket(system.setup))} | ${failed ? `${num(failed.offeredDeliveriesPerSecond)}/s: ${failureText(failed)}` : system.error ? `error: ${system.error.split('\n')[0]}` : 'none (ladder ended)'} |`,
      );
    }
    const g = systemOf(workload, 'gateway')?.peak?.deliveredPerSecond;
    const over = (name: string) => `gateway / ${name}: ${times(ratio(g, systemOf(workload, name)?.peak?.deliveredPerSecond))}`;
    out.push('', `${['tutorial', 'floor', 'wire'].map(over).join('; ').replace(/^g/, 'G')}.`, '');
    for (const system of workload.systems) {
      if (system.notes.length) out.push(`- ${system.system}: ${system.notes.join(' ')}`);
    }
    out.push('<details><summary>Every step</summary>', '', '| System | Offered/s | Achieved offered/s | Delivered/s | p50 | p99 | max | ack p99 | CPU µs/delivery | Cores: server / generator / Redis / machine | Frames/write | Machine stall ms | Lost | Result |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const system of workload.systems) {
      for (const step of [...system.steps, ...(system.halfGatewayPeak ? [system.halfGatewayPeak] : [])]) out.push(stepRow(system.system, step));
    }
    out.push('', '</details>', '');
  }

  out.push('## Memory per idle subscribed socket', '');
  out.push(
    'RSS of the (subscriber) server process after the sockets connected, subscribed and received one warm-up message per group, minus its RSS before the first socket, divided by the sockets; ' +
      `read one second after the warm-up, and again after the sockets sat idle ${IDLE_RSS_WAIT_MS / 1000} s more (the figure the target is judged on). Groups of 10.`,
    '',
  );
  out.push('| Sockets | System | RSS before | RSS after warm-up | Per socket | RSS idle | Per socket idle |', '| --- | --- | --- | --- | --- | --- | --- |');
  const memoryRows = [
    ...results.workloads.filter((w) => w.groupSize === 10).flatMap((w) => w.systems.map((s) => ({ sockets: w.sockets, system: s.system, setup: s.setup }))),
    ...results.idleMemory.flatMap((r) => r.systems.map((s) => ({ sockets: r.sockets, system: s.system, setup: s.setup }))),
  ];
  for (const row of memoryRows) {
    const s = row.setup;
    const incomplete = s && s.warmupDeliveryRatio < 1 ? ` (warm-up delivered ${(s.warmupDeliveryRatio * 100).toFixed(0)} %: still busy, RSS includes its backlog)` : '';
    out.push(`| ${row.sockets.toLocaleString('en')}${s && s.opened < s.sockets ? ` (${s.opened} opened)` : ''} | ${row.system}${incomplete} | ${mib(s?.rssBeforeBytes)} | ${mib(s?.rssAfterBytes)} | ${kib(s?.rssPerSocketBytes)} | ${mib(s?.rssIdleBytes)} | ${kib(s?.rssIdlePerSocketBytes)} |`);
  }
  for (const note of results.idleMemory.map((r) => r.note).filter(Boolean)) out.push('', `Note: ${note}.`);
  out.push('');

  out.push('## Cross-instance latency', '');
  const cross = results.crossInstance;
  if (!cross) out.push('Not run.', '');
  else if (cross.error && cross.steps.length === 0) out.push(`Failed: \`${cross.error.split('\n')[0]}\``, '');
  else {
    out.push(
      `Two gateway instances (${cross.mode}) on one Redis and one Chat service; ${cross.sockets.toLocaleString('en')} subscribers in groups of ${cross.groupSize} on the first instance, one sender per group on the second.`,
      '',
      '| Offered deliveries/s | Delivered/s | p50 | p99 | max | ack p50 / p99 | Lost | Result |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const step of cross.steps) {
      out.push(`| ${num(step.offeredDeliveriesPerSecond)} | ${num(step.deliveredPerSecond)} | ${step.latencyMs.p50} ms | ${step.latencyMs.p99} ms | ${step.latencyMs.max} ms | ${step.ackMs.p50} / ${step.ackMs.p99} ms | ${step.lost} | ${failureText(step) ?? 'pass'} |`);
    }
    out.push('');
  }

  out.push('## Memory under churn', '');
  const churn = results.churn;
  if (!churn) out.push('Not run.', '');
  else if (churn.error && churn.samples.length === 0) out.push(`Failed: \`${churn.error.split('\n')[0]}\``, '');
  else {
    out.push(
      `The gateway (${churn.mode ?? 'n/a'}) with ${churn.sockets.toLocaleString('en')} sockets in groups of ${churn.groupSize} for ${churn.seconds} s: all the while ${churn.cyclesPerSecond} sockets a second leave (once their sends are answered; a close frame and a dropped connection in turn) and their users reconnect, authenticate and subscribe again, and messages flow at ${num(churn.deliveriesPerSecond)} offered deliveries/s. ` +
        `${churn.cycles.toLocaleString('en')} sockets replaced (${churn.failures} failed${churn.errors.length ? `: ${churn.errors.join('; ')}` : ''}). ` +
        (churn.traffic ? `Each returning user resumes after the last message its old socket received (a socket replaced before any message resumes after its predecessor's last): ${num(churn.traffic.lost)} of ${num(churn.traffic.expected)} deliveries lost, ${num(churn.traffic.unacked)} sends unanswered. ` : '') +
        `The first third is warm-up (the process grows to its working size); then the last third over the middle third: mean RSS ×${churn.rssGrowth?.toFixed(2) ?? 'n/a'}, and the V8 heap's floor (the lowest heap in use just after a full collection, from the gateway's own gauge; in runs before it, the lowest sample) ×${churn.heapGrowth?.toFixed(2) ?? 'n/a'}.`,
      '',
      '| Seconds | Open sockets | RSS | Heap in use | Heap after the last full collection |',
      '| --- | --- | --- | --- | --- |',
    );
    const every = Math.max(1, Math.ceil(churn.samples.length / 12));
    for (const [index, sample] of churn.samples.entries()) {
      if (index % every !== 0 && index !== churn.samples.length - 1) continue;
      out.push(`| ${sample.seconds} | ${num(sample.sockets)} | ${(sample.rssBytes / 2 ** 20).toFixed(0)} MiB | ${mib(sample.heapUsedBytes)} | ${mib(sample.heapAfterFullGcBytes || undefined)} |`);
    }
    out.push('');
  }

  out.push('## Reading these figures', '');
  out.push(
    '- **What a send costs differs by design.** The gateway\'s `sendMessage` runs a GraphQL mutation for the socket\'s authenticated user, checks membership (held by the sender\'s own live subscription to the group, else a gRPC call), gives the message its position and appends it to the recent log and the persistence stream in Redis (one script), publishes it, and a persistence worker in the same process then saves it through the Chat service. The tutorial and the floor only publish, and the wire not even that. At small groups (10) the send path dominates; at one group of 5,000 the fan-out does.',
    '- **What a delivery costs differs too.** The tutorial executes the subscription\'s selection set for every subscriber (graphql-ws `next` per subscription, envelop hooks, field resolvers) and runs every subscription\'s `withFilter` for every message of every group (one topic). The gateway executes and serialises each message once per distinct (operation, variables), then frames the bytes behind each subscriber\'s id and writes them straight to the socket, coalescing the frames of one event-loop iteration per socket. The floor writes bytes built once.',
    '- **The wire is the bound, not a rival**: it only frames bytes and writes them the way the gateway does, with no Redis, GraphQL, auth or storage. What it spends per delivery is what the socket writes and the generator\'s reads cost on this machine, and a target it misses, marked so above, no server meets here.',
    '- **The floor may be limited by the generator, not by itself**: on two shared cores, when the floor\'s own CPU (the "cores" column) is well under one core at its peak, the limit was the generator or the machine (the every-step table shows the generator\'s and the machine\'s cores), and the gateway/floor ratio is then flattering to the gateway.',
    '- **CPU per delivery** includes everything the server process did during the step: the send path, keep-alive pings, presence heartbeats, the persistence worker. At low rates the fixed part dominates; compare at the peak.',
    `- **Noise**: every step is a few seconds on a machine shared with the generator (and, during this run, possibly with other test suites); ${o.ladder.repeatWithin ? 'two slow steps in a row at one rate end a ladder' : 'a single slow step ends a ladder'}. Differences under ~20 % between runs are not meaningful.`,
    '',
  );

  out.push('## Method', '');
  out.push(
    '- **Systems**, each a child process on a free port, all on the same local Redis with a prefix unique to the run and system (its keys are deleted afterwards):',
    '  - **gateway**: `src/main.ts` with `REDIS_URL`, `LOG_LEVEL=warn`, the send rate limit and `MAX_CONNECTIONS` set out of the way, and the reference Chat service (`src/chat-service/main.ts`) in its own process through `CHAT_GRPC_URL`. Sockets authenticate with a dev token per user, join their group with `joinGroup` over the socket, then subscribe. If the Redis mode does not start, the harness runs the in-memory bus and says so above.',
    '  - **tutorial** (`bench/peers/tutorial-server.ts`): graphql-yoga, graphql-ws through `yoga.getEnveloped` as in yoga\'s example, graphql-redis-subscriptions `RedisPubSub` on ioredis, one topic for every message and `withFilter` by group; no auth.',
    '  - **floor** (`bench/peers/floor-server.ts`): plain `ws` speaking the graphql-ws wire protocol with no GraphQL execution, one Redis channel per group, the `next` frame built once per message and the same bytes written to every socket.',
    '  - **wire** (`bench/peers/wire-server.ts`): the floor\'s protocol without Redis (a message goes straight to the subscribers in the process that read its send) and with the gateway\'s frame writer: each `next` frame built once per message and subscription id, WebSocket header included, and one event-loop iteration\'s frames written to each socket in one write.',
    '- **Load generator** (`bench/load/`): forked worker processes with bare graphql-ws clients on `ws` (no graphql-ws client library, no JSON parsing of deliveries). Every socket subscribes to `newMessage(groupId)` with the same selection; messages are sent with the `sendMessage` mutation over the sender\'s own socket (a graphql-ws `subscribe` of a mutation; its `next` is the ack), round-robin over the groups and their members. `content` carries the step and the send time (µs of the shared wall clock), so each delivery\'s latency is receipt − send. A system\'s step is paced to the offered rate in 5 ms ticks; sends owed after a late tick are sent at once. The generator processes take turns: each one\'s schedule is shifted by its share of the interval, so that messages come evenly spaced and not from every process at once.',
    '- **Setup**: after connecting, warm-up rounds of one message per group must deliver to every socket (up to 3 rounds) before anything is measured, so a subscription still being set up is not counted as loss.',
    '- **Steps**: send for the step\'s duration, then wait until every expected delivery and ack arrived (or the drain limit). Lost = expected − received (expected = subscribers of the group × sends that did not fail). Delivered/s counts deliveries received while the step was sending.',
    '- **Workloads are the same for every system**: the same ladder of offered rates, the same sockets, groups and message sizes; the only system-specific step is the gateway\'s authentication and group membership, which its contract requires.',
    '- **Redis subscriptions**: `PUBSUB NUMSUB` over (a sample of up to 200 of) the group channels once the sockets are subscribed: one process should hold exactly one subscription per channel.',
    '- Every process the harness starts is killed at the end, on failure and on Ctrl-C; the whole run has a time limit; all traffic is on 127.0.0.1.',
    '',
  );
  return out.join('\n');
}

function stepRow(system: string, step: StepResult): string {
  return `| ${system} | ${num(step.offeredDeliveriesPerSecond)} | ${num(step.achievedOfferedPerSecond)} | ${num(step.deliveredPerSecond)} | ${step.latencyMs.p50} | ${step.latencyMs.p99} | ${step.latencyMs.max} | ${step.ackMs.p99} | ${step.serverCpuMicrosPerDelivery ?? 'n/a'} | ${coresText(step)} | ${step.serverRuntime?.framesPerWrite ?? 'n/a'} | ${step.machineStallMs ?? 'n/a'} | ${step.lost} | ${failureText(step) ?? 'pass'}${step.passedOnRepeat ? '; passed on repeat' : ''} |`;
}

/** How the run judged a rate whose step failed on its tail alone (runs before repeats have none). */
function repeatText(within: number | undefined): string {
  if (!within) return '';
  return ` A step that fails on its tail alone (everything delivered and acknowledged, p99 over the limit but at most ${within}× it) is measured once more at the same rate, and the rate passes if the repeat does ("passed on repeat" below): on this shared host the same step's p99 varies by tens of milliseconds between runs. Every system is judged so.`;
}

/** Busy cores over the step: the server's, the load generator's, Redis's, the whole machine's (runs before they were read show n/a). */
function coresText(step: StepResult): string {
  return `${step.serverCpuUtilisation} / ${step.generatorCpuUtilisation ?? 'n/a'} / ${step.redisCpuUtilisation ?? 'n/a'} / ${step.machineCpuUtilisation ?? 'n/a'}`;
}

/**
 * The log of what each optimisation bought (bench/optimisations.md) is kept by hand, as its
 * figures come from before/after runs: it goes in after the targets, whatever the run.
 */
const OPTIMISATIONS_LOG = 'bench/optimisations.md';
const AFTER_TARGETS = '## Machine and conditions';

export function writeBenchmarksMarkdown(root: string, results: BenchResults): void {
  let markdown = renderBenchmarksMarkdown(results);
  const logPath = join(root, OPTIMISATIONS_LOG);
  if (existsSync(logPath)) {
    const log = `${readFileSync(logPath, 'utf8').trim()}\n\n`;
    const at = markdown.indexOf(AFTER_TARGETS);
    markdown = at < 0 ? `${markdown}\n${log}` : markdown.slice(0, at) + log + markdown.slice(at);
  }
  writeFileSync(join(root, 'BENCHMARKS.md'), markdown);
}

/** Whether the run's steps read the shared Redis's CPU, and so waited for Redis too (runs before that was added did not). */
function readsRedis(results: BenchResults): boolean {
  return someStep(results, (step) => step.redisCpuUtilisation !== undefined);
}

/** Whether the run's steps waited for an idle system (runs before that was added did not). */
function waitsForIdle(results: BenchResults): boolean {
  return someStep(results, (step) => step.settleMs !== undefined);
}

function someStep(results: BenchResults, test: (step: StepResult) => boolean): boolean {
  return results.workloads.some((workload) => workload.systems.some((system) => system.steps.some(test)));
}
