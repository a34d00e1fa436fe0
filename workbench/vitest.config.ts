// Component tests (Vitest + Testing Library) in a simulated DOM (happy-dom): the submit form's
// checks and the request lists' cache. The browser tests under test/workbench/ cover the rest
// against a real gateway.
import { defineConfig, mergeConfig } from 'vitest/config';
import vite from './vite.config';

export default mergeConfig(
  vite,
  defineConfig({
    test: {
      environment: 'happy-dom',
      include: ['test/**/*.test.{ts,tsx}'],
      restoreMocks: true,
    },
  }),
);
