import pg from 'pg';

/** The PostgreSQL channel change announcements travel on (NOTIFY inside the writing transaction). */
export const CHANGES_CHANNEL = 'cr_gateway_changes';

// Between attempts to reconnect: doubling from the first to the last.
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

export interface ChangeListenerEvents {
  /** One NOTIFY's payload, as sent. */
  message(payload: string): void;
  /** The connection dropped, or came back after a drop: announcements may have been missed. */
  gap(why: 'dropped' | 'reconnected'): void;
  /** Why the connection dropped or a reconnection failed (an error's name and code: no message). */
  trouble(what: string, fields: Record<string, unknown>): void;
}

/**
 * A connection of its own that LISTENs on CHANGES_CHANNEL (a pooled connection cannot: LISTEN
 * belongs to its session). When it drops (the server restarted, an operator ended it), it is
 * opened again, with growing pauses, until close(); each drop and each return is a gap.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Resolves when the first LISTEN is in place. */
  readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly on: ChangeListenerEvents,
    /** application_name of the connection: operators (and tests) find it in pg_stat_activity. */
    private readonly name = `cr-gateway listener ${process.pid}`,
  ) {
    this.ready = this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: this.name });
    let dropped = false;
    const drop = (err?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.closed) return;
      const code = (err as { code?: unknown } | undefined)?.code;
      this.on.trouble('change listener connection lost', { error: err?.name, code });
      this.on.gap('dropped');
      this.reconnect(RETRY_FIRST_MS);
    };
    // Until LISTEN is in place a failure is connect()'s to report (its caller tries again):
    // reacting here too would start a second chain of attempts.
    let established = false;
    client.on('error', (err) => established && drop(err));
    client.on('end', () => established && drop());
    client.on('notification', (m) => {
      if (m.channel === CHANGES_CHANNEL && m.payload !== undefined) this.on.message(m.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    established = true;
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private reconnect(delayMs: number): void {
    this.retry = setTimeout(() => {
      this.connect().then(
        () => {
          if (!this.closed) this.on.gap('reconnected');
        },
        (err: Error) => {
          const code = (err as { code?: unknown }).code;
          this.on.trouble('change listener cannot reconnect', { error: err.name, code });
          if (!this.closed) this.reconnect(Math.min(delayMs * 2, RETRY_MAX_MS));
        },
      );
    }, delayMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.ready.catch(() => {});
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
