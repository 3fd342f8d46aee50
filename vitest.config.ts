import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Renderer modules import the contract as @contract/* (vite.config.ts, tsconfig.web.json); the
// unit tests of the renderer stores load them as they are.
const alias = { '@contract': fileURLToPath(new URL('./main/contract', import.meta.url)) };

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Real servers: one file at a time keeps the 2-core machine honest about timings.
          fileParallelism: false,
        },
      },
    ],
  },
});
