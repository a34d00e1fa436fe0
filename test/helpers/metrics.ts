import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import type { TestGateway } from './gateway.js';

/** GET /metrics, parsed as Prometheus reads it. */
export async function scrape(gw: TestGateway): Promise<Scrape> {
  const res = await gw.gateway.yoga.fetch('http://test/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain'))
    throw new Error(`/metrics content-type ${res.headers.get('content-type')}`);
  return new Scrape(await res.text());
}

export class Scrape {
  /** The families as typed by the exposition. */
  readonly families: MetricFamily[];
  /** Every series as a plain sample: `x_bucket`, `x_sum`, `x_count` of a histogram too. */
  private readonly series: MetricFamily[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    // The parser folds a histogram's series into one sample and drops their labels when there
    // are labels besides `le`: untyped, each of its series keeps its own.
    this.series = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  }

  family(name: string): MetricFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** The value of series `name` (`x_count` for a histogram's count) whose labels include `labels`; 0 when none. */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.series
      .find((f) => f.name === name)
      ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return Number(sample?.value ?? 0);
  }
}
