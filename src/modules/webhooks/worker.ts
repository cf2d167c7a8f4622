// The delivery worker: claims due instances (store.claimDue: FOR UPDATE SKIP LOCKED plus a lease,
// so servers sharing a database never send one instance at once, and a dead server's claim is
// taken over when its lease runs out), sends them side by side, and looks again at once while
// there is work, else after `pollMs` or when woken (an instance was just enqueued).
import { randomUUID } from 'node:crypto';
import type { Worker } from '../module.ts';
import { ATTEMPT_TIMEOUT_MS } from './sender.ts';
import type { WebhooksService } from './service.ts';

/** A claim outlives the longest attempt (its timeout) with room to record the result. */
export const LEASE_MS = ATTEMPT_TIMEOUT_MS * 2;
const BATCH = 16;

export class DeliveryWorker implements Worker {
  readonly name = 'webhook deliveries';
  /** This worker's name in lease_owner. */
  readonly owner = randomUUID();
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private nudge?: () => void;
  private woken = false;

  constructor(
    private readonly service: WebhooksService,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.service.wake = () => this.wake();
    this.loop = this.run();
  }

  /** Stops claiming and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.woken = true;
    this.nudge?.();
  }

  /** Claims and sends one batch; answers how many it claimed. */
  async runOnce(): Promise<number> {
    const rows = await this.service.claim(this.owner, BATCH, LEASE_MS);
    await Promise.all(rows.map((r) => this.service.attempt(r, this.owner).catch(this.onError)));
    return rows.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let claimed = 0;
      try {
        claimed = await this.runOnce();
      } catch (err) {
        this.onError(err);
      }
      if (!this.running) break;
      if (claimed > 0 || this.woken) continue;
      await new Promise<void>((resolve) => {
        this.nudge = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
      });
      clearTimeout(this.timer);
      this.nudge = undefined;
    }
  }
}
