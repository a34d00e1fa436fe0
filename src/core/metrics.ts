/**
 * What the layers below the server report for /metrics (server/metrics.ts counts it with
 * prom-client). Labels are bounded: configured cluster ids and fixed outcome names only.
 */
export interface Metrics {
  /** One question to a remote cluster about one of its tokens, and how it went. */
  remoteValidation(cluster: string, outcome: RemoteValidationOutcome): void;
}

/** `accepted`: the home vouched; `refused`: it said no; `failed`: no usable answer (down, slow, garbage). */
export type RemoteValidationOutcome = 'accepted' | 'refused' | 'failed';

/** For parts built without a server around them (the CLI, benchmarks, unit tests). */
export const NO_METRICS: Metrics = { remoteValidation() {} };
