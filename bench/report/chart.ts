import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { BenchResults } from '../results.js';
import type { SystemName } from '../systems/system.js';

const COLORS: Record<SystemName, string> = { gateway: '#d62728', tutorial: '#1f77b4', floor: '#2ca02c', wire: '#7f7f7f' };
const PANEL_WIDTH = 520;
const HEIGHT = 460;
const MARGIN = { left: 70, right: 20, top: 50, bottom: 60 };

/**
 * Delivered against offered deliveries/s, one panel per workload, log-log, one line per system.
 * Filled points passed (p99 ≤ limit, nothing lost), hollow ones failed; the dashed line is
 * "everything offered was delivered".
 */
export async function renderChart(results: BenchResults): Promise<Buffer> {
  const panels = Math.max(1, results.workloads.length);
  const canvas = createCanvas(PANEL_WIDTH * panels, HEIGHT);
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  results.workloads.forEach((workload, i) => {
    const points = workload.systems.flatMap((system) => system.steps.map((step) => [step.offeredDeliveriesPerSecond, step.deliveredPerSecond]));
    const values = points.flat().filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1000)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10_000)));
    const x0 = i * PANEL_WIDTH + MARGIN.left;
    const x1 = (i + 1) * PANEL_WIDTH - MARGIN.right;
    const y0 = HEIGHT - MARGIN.bottom;
    const y1 = MARGIN.top;
    const sx = (v: number) => x0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (x1 - x0);
    const sy = (v: number) => y0 - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (y0 - y1);

    axes(g, { x0, x1, y0, y1, lo, hi, sx, sy });
    g.fillStyle = '#000';
    g.font = 'bold 15px sans-serif';
    g.textAlign = 'center';
    g.fillText(`${workload.sockets.toLocaleString('en')} sockets, groups of ${workload.groupSize.toLocaleString('en')}`, (x0 + x1) / 2, 24);
    g.font = '12px sans-serif';
    g.fillText('offered deliveries/s', (x0 + x1) / 2, HEIGHT - 18);
    g.save();
    g.translate(i * PANEL_WIDTH + 16, (y0 + y1) / 2);
    g.rotate(-Math.PI / 2);
    g.fillText('delivered deliveries/s', 0, 0);
    g.restore();

    g.setLineDash([5, 5]);
    g.strokeStyle = '#999';
    g.beginPath();
    g.moveTo(sx(lo), sy(lo));
    g.lineTo(sx(hi), sy(hi));
    g.stroke();
    g.setLineDash([]);

    // The wire, the bound below the others, is drawn first: the systems measured against it stay on top.
    const drawOrder = [...workload.systems.filter((system) => system.system === 'wire'), ...workload.systems.filter((system) => system.system !== 'wire')];
    drawOrder.forEach((system) => {
      const s = workload.systems.indexOf(system);
      const color = COLORS[system.system];
      g.strokeStyle = color;
      g.fillStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      const steps = [...system.steps].sort((a, b) => a.offeredDeliveriesPerSecond - b.offeredDeliveriesPerSecond);
      steps.forEach((step, k) => {
        const [x, y] = [sx(step.offeredDeliveriesPerSecond), sy(step.deliveredPerSecond)];
        if (k === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      g.stroke();
      for (const step of system.steps) {
        g.beginPath();
        g.arc(sx(step.offeredDeliveriesPerSecond), sy(step.deliveredPerSecond), 4, 0, Math.PI * 2);
        if (step.passed) g.fill();
        else g.stroke();
      }
      g.lineWidth = 1;
      const peak = system.peak ? `peak ${Math.round(system.peak.deliveredPerSecond).toLocaleString('en')}/s` : 'no passing step';
      g.font = '12px sans-serif';
      g.textAlign = 'left';
      g.fillText(`${system.system}: ${peak}`, x0 + 8, y1 + 16 + s * 16);
    });
  });
  return canvas.encode('png');
}

function axes(
  g: SKRSContext2D,
  a: { x0: number; x1: number; y0: number; y1: number; lo: number; hi: number; sx: (v: number) => number; sy: (v: number) => number },
) {
  g.strokeStyle = '#000';
  g.lineWidth = 1;
  g.strokeRect(a.x0, a.y1, a.x1 - a.x0, a.y0 - a.y1);
  g.font = '11px sans-serif';
  g.fillStyle = '#000';
  for (let decade = a.lo; decade <= a.hi; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > a.hi) break;
      g.strokeStyle = m === 1 ? '#ccc' : '#eee';
      g.beginPath();
      g.moveTo(a.sx(v), a.y0);
      g.lineTo(a.sx(v), a.y1);
      g.moveTo(a.x0, a.sy(v));
      g.lineTo(a.x1, a.sy(v));
      g.stroke();
      g.textAlign = 'center';
      g.fillText(short(v), a.sx(v), a.y0 + 14);
      g.textAlign = 'right';
      g.fillText(short(v), a.x0 - 4, a.sy(v) + 4);
    }
  }
}

function short(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}
