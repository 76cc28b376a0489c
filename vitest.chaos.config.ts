import { defineConfig } from 'vitest/config'

/**
 * `npm run test:chaos`: crash, duplicate-delivery, concurrency and hostile-input suites. They
 * spawn service processes and share the database servers, so files run one at a time.
 * TM_CHAOS=quick (what CI runs) keeps every suite but with fewer crash points and requests.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
