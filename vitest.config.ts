import { defineConfig } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.ts';

export default defineConfig({
  // Vite transforms the sources and tests as soon as it starts, while global setup makes the
  // migrated copy: a worker's first import of the sources otherwise waited on one transform after
  // another (6.3 s for test/helpers/server.ts; 2.2 to 3.0 s warmed up).
  server: { warmup: { ssrFiles: ['./src/**/*.ts', './test/**/*.ts'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // A write made outside a transaction during an activity fails the test (it would have no system log event).
    env: { GATEHOUSE_SYSTEMLOG_STRICT: '1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Runs once per run: the CI contract check, and dropping this run's PostgreSQL databases.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Files that take longest start first (test/helpers/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
    // isolate: false: a worker runs many files in one process, so PGlite is compiled and
    // the database opened once per worker (test/helpers/server.ts), not once per file.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
  },
});
