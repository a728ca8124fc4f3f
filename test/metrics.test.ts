import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

describe('tallied counters', () => {
  it('fold their counts into Prometheus when read, and keep a total across reads', async () => {
    const metrics = createMetrics();
    const newMessage = metrics.deliveries.tally('newMessage');
    const sendMessage = metrics.deliveries.tally('sendMessage');
    newMessage.count += 3;
    sendMessage.count++;
    expect(metrics.deliveries.total()).toBe(4);

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^campushub_deliveries_total\{field="newMessage"\} 3$/m);
    expect(text).toMatch(/^campushub_deliveries_total\{field="sendMessage"\} 1$/m);
    expect(metrics.deliveries.total()).toBe(4);

    newMessage.count += 2;
    metrics.socketFrames.count += 5;
    metrics.socketWrites.count += 2;
    expect(metrics.deliveries.total()).toBe(6);
    const later = await metrics.registry.metrics();
    expect(later).toMatch(/^campushub_deliveries_total\{field="newMessage"\} 5$/m);
    expect(later).toMatch(/^campushub_ws_frames_total 5$/m);
    expect(later).toMatch(/^campushub_ws_writes_total 2$/m);
  });
});
