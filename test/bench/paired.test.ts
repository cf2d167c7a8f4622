// The bench's paired rounds (bench/lib/paired.ts): who goes first alternates, and the ratio
// reported is the median round's.
import { describe, expect, it } from 'vitest';
import { medianRound, pairedRounds, roundRatio, roundText } from '../../bench/lib/paired.ts';
import type { LoadResult } from '../../bench/load.ts';

const result = (rps: number, serverCpuUs?: number): LoadResult => ({
  requests: rps,
  ok: rps,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { 200: rps },
  seconds: 1,
  rps,
  latencyMs: { p50: 1, p90: 1, p99: 1, max: 1, mean: 1 },
  serverCpuUs,
});

describe('bench paired rounds', () => {
  it('alternates who goes first and pairs each run with its own round', async () => {
    const order: string[] = [];
    const gh = [900, 700, 800];
    const bare = [1000, 1000, 1000];
    const pairs = await pairedRounds(
      3,
      async () => {
        order.push('gatehouse');
        return result(gh.shift() as number);
      },
      async () => {
        order.push('bare');
        return result(bare.shift() as number);
      },
    );
    expect(order).toEqual(['bare', 'gatehouse', 'gatehouse', 'bare', 'bare', 'gatehouse']);
    expect(pairs.map((p) => p.gatehouseFirst)).toEqual([false, true, false]);
    expect(pairs.map(roundRatio)).toEqual([0.9, 0.7, 0.8]);
  });

  it('reports the median round (the lower middle one of an even number), not the mean or the best', () => {
    const pair = (g: number, b: number) => ({ gatehouse: result(g), bare: result(b), gatehouseFirst: false });
    expect(roundRatio(medianRound([pair(900, 1000), pair(500, 1000), pair(1060, 1000)]))).toBe(0.9);
    expect(roundRatio(medianRound([pair(900, 1000), pair(500, 1000), pair(1060, 1000), pair(700, 1000)]))).toBe(0.7);
    expect(roundRatio(medianRound([pair(790, 1000)]))).toBe(0.79);
  });

  it('says each round with its figures', () => {
    const p = { gatehouse: result(3248, 241), bare: result(4080, 167), gatehouseFirst: false };
    expect(roundText(p, 0)).toBe('round 1 (bare first): 0.796× (3248 vs 4080 req/s; server CPU per request 241 vs 167 µs)');
    // A run whose server CPU could not be read says so instead of a number.
    expect(roundText({ ...p, gatehouse: result(3248), gatehouseFirst: true }, 1)).toBe(
      'round 2 (Gatehouse first): 0.796× (3248 vs 4080 req/s; server CPU per request ? vs 167 µs)',
    );
  });
});
