// A client that keeps sending one query to a set of gateway instances, as a load balancer's
// clients would: it stays on an instance while it answers and moves to the next when a
// connection to it is refused (the request never reached it, so sending it elsewhere is safe).
// Anything else that is not an answer (a reset, a hang-up, a 5xx, an error) is a lost request.

const REFUSED = new Set(['ECONNREFUSED']);

export interface Tally {
  /** Requests answered 200 with data and no errors. */
  answered: number;
  /** Requests that got anything else, with what they got. */
  lost: string[];
  /** Connections refused (each followed by the same request to the next instance, if any). */
  refused: number;
  /** Answers per instance url. */
  byUrl: Record<string, number>;
}

export class SteadyClient {
  readonly tally: Tally = { answered: 0, lost: [], refused: 0, byUrl: {} };
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly urls: string[],
    private readonly token: string,
    private readonly query = '{ me { uuid } }',
  ) {}

  /** `concurrency` loops, each starting on the first instance. */
  start(concurrency = 3): this {
    for (let i = 0; i < concurrency; i++) this.workers.push(this.loop());
    return this;
  }

  /** Resolves once `n` requests have been answered in all. */
  async answeredAtLeast(n: number, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.tally.answered < n) {
      if (Date.now() > until) throw new Error(`only ${this.tally.answered} answers in ${timeoutMs} ms`);
      if (this.workers.length && this.tally.lost.length) throw new Error(this.tally.lost.join('; '));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<Tally> {
    this.stopped = true;
    await Promise.all(this.workers);
    return this.tally;
  }

  /** Whether every loop has ended (all instances refused). */
  async ended(): Promise<Tally> {
    await Promise.all(this.workers);
    return this.tally;
  }

  private async loop(): Promise<void> {
    let at = 0;
    while (!this.stopped && at < this.urls.length) {
      const url = this.urls[at]!;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
          body: JSON.stringify({ query: this.query }),
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? '';
        if (REFUSED.has(code)) {
          this.tally.refused++;
          at++; // the same request, to the next instance
          continue;
        }
        this.tally.lost.push(`${url}: ${(err as Error).message} (${code})`);
        continue;
      }
      const body = await res.text().catch((err: Error) => `unreadable body: ${err.message}`);
      let ok = false;
      try {
        const json = JSON.parse(body);
        ok = res.status === 200 && !!json.data && !json.errors;
      } catch {}
      if (ok) {
        this.tally.answered++;
        this.tally.byUrl[url] = (this.tally.byUrl[url] ?? 0) + 1;
      } else this.tally.lost.push(`${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
    }
  }
}
