import type { Plugin } from 'graphql-yoga';
import type { Services } from '../core/services.js';

/**
 * Whether the database answers `SELECT 1` within HEALTH_TIMEOUT_MS: a stalled database fails
 * as soon as the limit runs out, whatever its driver would wait for (the probe itself is left
 * to finish or fail on its own). /healthz and /readyz ask it.
 */
export async function databaseAnswers(services: Services): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const probe = services.db.prisma.$queryRaw`SELECT 1`.then(() => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), services.config.healthTimeoutMs);
  });
  const up = await Promise.race([probe, late]).catch(() => false);
  clearTimeout(timer);
  probe.catch(() => {}); // a probe that fails after the limit has nobody to tell
  return up;
}

/** GET /healthz (liveness): 200 when the database answers (databaseAnswers), 503 otherwise. */
export function healthPlugin(services: Services): Plugin {
  const answer = async (endResponse: (r: Response) => void, fetchAPI: { Response: typeof Response }) => {
    const healthy = await databaseAnswers(services);
    endResponse(
      new fetchAPI.Response(JSON.stringify({ status: healthy ? 'ok' : 'database unavailable' }), {
        status: healthy ? 200 : 503,
        headers: { 'content-type': 'application/json' },
      }),
    );
  };
  return {
    // Not async: every request passes here, and only /healthz waits for anything.
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') return answer(endResponse, fetchAPI);
    },
  };
}
