/**
 * The jobs every node runs beside serving: picking up changes made elsewhere (change-watcher.ts), sweeping
 * expired rows (store/sweep.ts), and rotating signing keys that are due and deleting retired ones (keys/rotate.ts).
 * Each job runs again only after the previous run ended; a failure (the database is down) is logged once when it
 * starts and once when it ends, and the job keeps trying.
 */
import { pollChanges, subscribeChanges } from './change-watcher.js';
import { sweepExpired } from '../store/sweep.js';
import { deleteRetiredKeys, rotateDueKeys } from '../keys/rotate.js';
import type { Provider } from './provider.js';

export interface BackgroundJobs {
  stop(): void;
}

function every(provider: Provider, name: string, intervalMs: number, job: () => Promise<void>): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;
  const run = async () => {
    try {
      await job();
      if (failing) provider.log.info({ job: name }, 'background job recovered');
      failing = false;
    } catch (err) {
      if (!failing) provider.log.warn({ job: name, err: err instanceof Error ? err.message : String(err) }, 'background job failing');
      failing = true;
    }
    if (!stopped) timer = setTimeout(run, intervalMs).unref();
  };
  timer = setTimeout(run, intervalMs).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Scheduled key rotation is checked as often as rows are swept, at least hourly (a cheap read when nothing is due). */
export function keyRotationCheckMs(provider: Provider): number {
  return Math.min(provider.config.sweepIntervalMs, 3600_000);
}

export function startBackgroundJobs(provider: Provider): BackgroundJobs {
  const { config } = provider;
  const stops = [
    subscribeChanges(provider),
    every(provider, 'change-watch', config.changePollMs, async () => {
      await pollChanges(provider);
    }),
    every(provider, 'sweep', config.sweepIntervalMs, async () => {
      const deleted = await sweepExpired(provider.db, config.database.kind, provider.clock.now(), config.sweepBatch);
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) provider.log.info({ deleted }, 'expired rows swept');
    }),
    every(provider, 'key-rotation', keyRotationCheckMs(provider), async () => {
      await rotateDueKeys(provider, provider.clock.now());
      const deleted = await deleteRetiredKeys(provider.db, provider.clock.now());
      if (deleted > 0) provider.log.info({ deleted }, 'retired signing keys deleted');
    }),
  ];
  return { stop: () => stops.forEach((stop) => stop()) };
}
