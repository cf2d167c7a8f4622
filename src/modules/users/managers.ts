// Manager chains without cycles: after a write that changed managers (and under the
// tenant's manager lock, see manager-store.ts), the cycles through the users changed.
import type { Db } from '../../db/index.ts';
import { type ChainUser, chainAbove, usersOnCycles } from './manager-store.ts';

export { lockManagerChains } from './manager-store.ts';
export type { ChainUser };

/** A shortest way up the manager chain from `start` back to it, as users (the first is also the last). */
function cycleFrom(chain: ChainUser[], start: string): ChainUser[] | undefined {
  const byId = new Map(chain.map((u) => [u.id, u]));
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const m of byId.get(queue[i])?.managerIds ?? []) {
      if (m === start) {
        const ids = [start];
        for (let at: string | undefined = queue[i]; at !== start && at !== undefined; at = prev.get(at)) ids.unshift(at);
        ids.unshift(start);
        return ids.map((id) => byId.get(id) as ChainUser);
      }
      if (!prev.has(m) && byId.has(m)) {
        prev.set(m, queue[i]);
        queue.push(m);
      }
    }
  }
  return undefined;
}

/**
 * The cycles in the manager chain that pass through any of `starts` (the users whose managers
 * just changed: a new cycle must use a changed link), at most `limit`, each as its users in
 * chain order (each managed by the next; the first is also the last). Empty when there is none.
 */
export async function managerCycles(db: Db, tenantId: string, starts: string[], limit = 5): Promise<ChainUser[][]> {
  const onCycles = await usersOnCycles(db, tenantId, starts);
  const seen = new Set<string>();
  const out: ChainUser[][] = [];
  // Only when refusing: one more statement per cycle described.
  for (const id of onCycles.sort()) {
    if (seen.has(id) || out.length >= limit) continue;
    const cycle = cycleFrom(await chainAbove(db, tenantId, id), id);
    if (!cycle) continue;
    for (const u of cycle) seen.add(u.id);
    out.push(cycle);
  }
  return out;
}

/** "a@x (id) → b@x (id) → a@x (id)": who is managed by whom along a cycle. */
export function describeCycle(cycle: ChainUser[], label: (u: ChainUser) => string = (u) => `${u.email} (${u.id})`): string {
  return cycle.map(label).join(' → ');
}
