import { performance } from 'node:perf_hooks';
import { LatenessRecord, STALL_METER_INTERVAL_MS, type StallMeterReply, type StallMeterRequest } from './stall-meter.js';

const record = new LatenessRecord(STALL_METER_INTERVAL_MS, performance.now());
const wake = () => {
  const dueAt = record.fired(performance.now());
  setTimeout(wake, Math.max(0, dueAt - performance.now()));
};
setTimeout(wake, STALL_METER_INTERVAL_MS);

process.on('message', ({ reqId }: StallMeterRequest) => {
  process.send!({ reqId, longestLateMs: record.takeLongest() } satisfies StallMeterReply);
});
// The orchestrator's death ends the meter.
process.on('disconnect', () => process.exit(0));
