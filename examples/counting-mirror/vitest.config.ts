import { defineConfig } from 'vitest/config'

// The example's own config, so that vitest takes this folder as its root and finds no other.
export default defineConfig({
  test: { include: ['*.test.ts'] },
})
