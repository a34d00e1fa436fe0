// The change listener through an outage longer than one retry: it reports the drop, tries again
// with growing pauses (one chain of attempts, not one more per failure), reports its return
// once, and hears notifications again.
import pg from 'pg';
import { CHANGES_CHANNEL, ChangeListener } from '../../src/db/change-listener.js';
import { freshPostgresDatabase } from '../helpers/backends.js';
import { waitFor } from '../helpers/dispatcher.js';
import { startStallProxy } from '../helpers/stall-proxy.js';

(process.env.TEST_DATABASE_URL ? test : test.skip)(
  'an outage of a second: one drop, a few attempts, one return, and notifications again',
  async () => {
    const db = await freshPostgresDatabase();
    const proxy = await startStallProxy(db.url);
    const heard: string[] = [];
    const gaps: string[] = [];
    const listener = new ChangeListener(proxy.urlFor(db.url), {
      message: (p) => heard.push(p),
      gap: (why) => gaps.push(why),
      trouble: () => {},
    });
    const notify = async (payload: string) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]).finally(() => c.end());
    };
    try {
      await listener.ready;
      await notify('before');
      await waitFor('the first notification', () => heard.includes('before'));

      proxy.down();
      await waitFor('the drop', () => gaps.includes('dropped'));
      const attemptsBefore = proxy.attempts();
      await new Promise((r) => setTimeout(r, 1_500));
      // Pauses of 0.1, 0.2, 0.4, 0.8 s: about four attempts in 1.5 s (a chain per failure would
      // have made dozens).
      const tried = proxy.attempts() - attemptsBefore;
      expect(tried).toBeGreaterThanOrEqual(2);
      expect(tried).toBeLessThanOrEqual(6);
      expect(gaps).toEqual(['dropped']);

      proxy.up();
      await waitFor('the return', () => gaps.includes('reconnected'), 15_000);
      await notify('after');
      await waitFor('a notification after the outage', () => heard.includes('after'));
      expect(gaps).toEqual(['dropped', 'reconnected']);
    } finally {
      await listener.close();
      await proxy.close();
      await db.drop();
    }
  },
  60_000,
);
