// GET app against its bare baseline in paired rounds: on a shared 2-core machine one run of
// each, minutes apart, moved the ratio between 0.57× and 0.80× with nothing changed. Each round
// loads the two servers back to back (who goes first alternates, so a drift of the machine
// favours neither), and the ratio reported is the median of the rounds' own ratios.
import type { LoadResult } from '../load.ts';

export type Pair = { gatehouse: LoadResult; bare: LoadResult; gatehouseFirst: boolean };

export async function pairedRounds(
  rounds: number,
  gatehouse: () => Promise<LoadResult>,
  bare: () => Promise<LoadResult>,
): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < rounds; i++) {
    const gatehouseFirst = i % 2 === 1;
    const first = await (gatehouseFirst ? gatehouse() : bare());
    const second = await (gatehouseFirst ? bare() : gatehouse());
    pairs.push(
      gatehouseFirst ? { gatehouse: first, bare: second, gatehouseFirst } : { gatehouse: second, bare: first, gatehouseFirst },
    );
  }
  return pairs;
}

export const roundRatio = (p: Pair): number => p.gatehouse.rps / p.bare.rps;

/** The round whose ratio is the median (the lower middle one of an even number). */
export function medianRound(pairs: Pair[]): Pair {
  const sorted = [...pairs].sort((a, b) => roundRatio(a) - roundRatio(b));
  return sorted[(sorted.length - 1) >> 1];
}

const us = (r: LoadResult) => (r.serverCpuUs === undefined ? '?' : `${r.serverCpuUs}`);

/** One line per round, for the log and the target's detail. */
export function roundText(p: Pair, i: number): string {
  return (
    `round ${i + 1} (${p.gatehouseFirst ? 'Gatehouse first' : 'bare first'}): ${roundRatio(p).toFixed(3)}× ` +
    `(${p.gatehouse.rps} vs ${p.bare.rps} req/s; server CPU per request ${us(p.gatehouse)} vs ${us(p.bare)} µs)`
  );
}
