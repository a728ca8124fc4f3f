import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/model.js';
import { ResumeGate } from '../../src/realtime/resume-gate.js';

const message = (groupId: string, seq: number): ChatMessage => ({
  id: `${groupId}-${seq}`,
  groupId,
  seq,
  sender: { id: 'alice', name: 'Alice' },
  msgType: 'TEXT',
  content: `${seq}`,
  imageUrl: null,
  clientMessageId: null,
  createdAt: seq,
});

describe('ResumeGate', () => {
  it('holds live messages during the replay and drops those the replay already delivered', () => {
    const delivered: string[] = [];
    const gate = new ResumeGate({ push: (m) => delivered.push(m.id) });
    gate.live(message('g', 4)); // arrives while the replay is being read, and is also in it
    gate.live(message('g', 5));
    gate.replayed(message('g', 3));
    gate.replayed(message('g', 4));
    gate.open();
    gate.live(message('g', 4)); // published before the replay was read, delivered late
    gate.live(message('g', 6));
    expect(delivered).toEqual(['g-3', 'g-4', 'g-5', 'g-6']);
  });

  it('keeps groups apart and lets live messages of other groups through', () => {
    const delivered: string[] = [];
    const gate = new ResumeGate({ push: (m) => delivered.push(m.id) });
    gate.replayed(message('a', 10));
    gate.open();
    gate.live(message('b', 2));
    gate.live(message('a', 10));
    gate.live(message('a', 11));
    expect(delivered).toEqual(['a-10', 'b-2', 'a-11']);
  });

  it('passes everything through when nothing is replayed', () => {
    const delivered: number[] = [];
    const gate = new ResumeGate({ push: (m) => delivered.push(m.seq) });
    gate.open();
    gate.live(message('g', 2));
    gate.live(message('g', 1));
    expect(delivered).toEqual([2, 1]);
  });
});
