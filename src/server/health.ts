import type { Plugin } from 'graphql-yoga';
import type { Services } from '../core/services.js';

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export function healthPlugin(services: Services): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/healthz') return;
      try {
        await services.db.prisma.$queryRaw`SELECT 1`;
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: 'ok' }), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          }),
        );
      } catch {
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: 'database unavailable' }), {
            status: 503,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
  };
}
