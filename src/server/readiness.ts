import type { Plugin } from 'graphql-yoga';
import type { Services } from '../core/services.js';
import type { Drain } from './drain.js';
import { databaseAnswers } from './health.js';

export const READY_PATH = '/readyz';

/**
 * GET /readyz, for a load balancer: 200 when this instance should get requests (its database
 * answers and it is not draining), 503 otherwise. /healthz stays liveness: it says nothing of
 * draining, so an orchestrator does not kill an instance that is finishing its requests.
 */
export function readinessPlugin(services: Services, drain: Drain): Plugin {
  const answer = (fetchAPI: { Response: typeof Response }, status: number, text: string) =>
    new fetchAPI.Response(JSON.stringify({ status: text }), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  const ready = async (endResponse: (r: Response) => void, fetchAPI: { Response: typeof Response }) => {
    if (drain.draining) return endResponse(answer(fetchAPI, 503, 'draining'));
    const up = await databaseAnswers(services);
    // Draining may have started while the database was asked.
    if (drain.draining) return endResponse(answer(fetchAPI, 503, 'draining'));
    endResponse(up ? answer(fetchAPI, 200, 'ready') : answer(fetchAPI, 503, 'database unavailable'));
  };
  return {
    // Not async: every request passes here, and only /readyz waits for anything.
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === READY_PATH) return ready(endResponse, fetchAPI);
    },
  };
}
