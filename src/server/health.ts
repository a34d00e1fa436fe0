import type { Plugin } from 'graphql-yoga';
import type { Services } from '../core/services.js';

/**
 * GET /healthz: 200 when the database answers `SELECT 1` within HEALTH_TIMEOUT_MS, 503
 * otherwise: a stalled database is unhealthy as soon as the limit runs out, whatever its
 * driver would wait for (the probe itself is left to finish or fail on its own).
 */
export function healthPlugin(services: Services): Plugin {
  const limitMs = services.config.healthTimeoutMs;
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/healthz') return;
      let timer: NodeJS.Timeout | undefined;
      const probe = services.db.prisma.$queryRaw`SELECT 1`.then(() => true);
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), limitMs);
      });
      const healthy = await Promise.race([probe, late]).catch(() => false);
      clearTimeout(timer);
      probe.catch(() => {}); // a probe that fails after the limit has nobody to tell
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: healthy ? 'ok' : 'database unavailable' }), {
          status: healthy ? 200 : 503,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}
