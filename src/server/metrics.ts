import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, RemoteValidationOutcome } from '../core/metrics.js';
import type { PoolUse } from '../db/client.js';

export const METRICS_PATH = '/metrics';

// How long a scrape waits for the container counts.
const COUNTS_WAIT_MS = 1_000;

/** What the container gauges show: a count per state, and the queue dispatchers take. */
export interface ContainerCounts {
  byState: Record<string, number>;
  queueDepth: number;
}

/** How one operation ended: `ok`, or the code of its first error. */
export type Outcome = string;

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways in one process,
 * as in the tests, do not mix). Every label value is bounded: operation = root field names the
 * schema has, type, outcome = `ok` or one of our error codes, cluster = a configured cluster.
 */
export class GatewayMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly durations: Histogram<'operation' | 'type' | 'outcome'>;
  private readonly subscriptions: Gauge;
  private readonly remote: Counter<'cluster' | 'outcome'>;
  private readonly sweeps: Counter<'outcome'>;
  private readonly swept: Counter;

  /**
   * `containerCounts`: the containers by state, and the queue dispatchers take (QUEUED with
   * priority > 0), read at each scrape (the counters the database keeps: at most 16 rows).
   */
  constructor(poolUse: () => PoolUse | null, containerCounts?: () => Promise<ContainerCounts>) {
    const registers = [this.registry];
    this.operations = new Counter({
      name: 'gateway_operations_total',
      help: 'GraphQL operations by root fields, type and outcome (ok or the first error code); a subscription counts when it ends',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.durations = new Histogram({
      name: 'gateway_operation_duration_seconds',
      help: 'Time from the request to the result (a subscription: its whole life)',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'gateway_open_subscriptions',
      help: 'Subscriptions open now',
      registers,
    });
    this.remote = new Counter({
      name: 'gateway_remote_validations_total',
      help: 'Questions to other clusters about their tokens, by cluster and outcome (accepted, refused, failed = no usable answer)',
      labelNames: ['cluster', 'outcome'],
      registers,
    });
    this.sweeps = new Counter({
      name: 'gateway_token_sweeps_total',
      help: 'Runs of the expired-token sweep, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.swept = new Counter({
      name: 'gateway_tokens_swept_total',
      help: 'Expired tokens deleted by the sweep',
      registers,
    });
    new Gauge({
      name: 'gateway_db_pool_connections',
      help: 'PostgreSQL connection pool: connections open (total), idle, and callers waiting for one (absent on the embedded database)',
      labelNames: ['state'],
      registers,
      collect() {
        const use = poolUse();
        if (!use) return;
        this.set({ state: 'total' }, use.total);
        this.set({ state: 'idle' }, use.idle);
        this.set({ state: 'waiting' }, use.waiting);
      },
    });
    if (containerCounts) {
      // A database that fails or does not answer within a second leaves the gauges without
      // samples: the scrape itself still answers, and in time.
      // The two gauges of one scrape are collected together: they share the read in flight.
      let reading: Promise<ContainerCounts | null> | null = null;
      const read = () => {
        reading ??= Promise.race([
          containerCounts().catch(() => null),
          new Promise<null>((resolve) => setTimeout(resolve, COUNTS_WAIT_MS, null).unref()),
        ]).finally(() => {
          reading = null;
        });
        return reading;
      };
      new Gauge({
        name: 'gateway_containers',
        help: 'Containers by state (all of them, whoever can see them), from the counts the database keeps',
        labelNames: ['state'],
        registers,
        async collect() {
          const counts = await read();
          this.reset();
          if (!counts) return;
          for (const [state, n] of Object.entries(counts.byState)) this.set({ state }, n);
        },
      });
      new Gauge({
        name: 'gateway_queue_depth',
        help: 'Containers a dispatcher can take: QUEUED with priority above 0',
        registers,
        async collect() {
          const counts = await read();
          this.reset();
          if (counts) this.set(counts.queueDepth);
        },
      });
    }
  }

  /** Node's own (memory, CPU, event loop lag, handles): for the real server, not for tests. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  // Each label set's two series, looked up once: prom-client hashes and checks the labels at
  // every call otherwise. The label values are bounded (above), so the map is too.
  private readonly series = new Map<string, { count: { inc(): void }; time: { observe(s: number): void } }>();

  operation(labels: { operation: string; type: string; outcome: Outcome }, seconds: number): void {
    const key = `${labels.operation} ${labels.type} ${labels.outcome}`;
    let s = this.series.get(key);
    if (!s) {
      s = { count: this.operations.labels(labels), time: this.durations.labels(labels) };
      this.series.set(key, s);
    }
    s.count.inc();
    s.time.observe(seconds);
  }

  subscriptionOpened(): void {
    this.subscriptions.inc();
  }

  subscriptionClosed(): void {
    this.subscriptions.dec();
  }

  remoteValidation(cluster: string, outcome: RemoteValidationOutcome): void {
    this.remote.inc({ cluster, outcome });
  }

  tokenSweep(outcome: 'ok' | 'failed', deleted = 0): void {
    this.sweeps.inc({ outcome });
    if (deleted) this.swept.inc(deleted);
  }
}

/**
 * GET /metrics in Prometheus' text format (yoga's Prometheus plugin), with its HTTP and phase
 * histograms by operation type and status: never by the client's operation name, which is the
 * client's text (it could be anything, a secret included) and unbounded.
 */
export function metricsPlugin(metrics: GatewayMetrics): Plugin {
  return usePrometheus({
    registry: metrics.registry,
    endpoint: METRICS_PATH,
    labels: { operationName: false, url: false, path: false, fieldName: false, typeName: false },
    metrics: {
      graphql_yoga_http_duration: true,
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_phase_subscribe: true,
      // Ours above count operations by root fields and outcome.
      graphql_envelop_request: false,
      graphql_envelop_request_duration: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_error_result: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
    },
  });
}
