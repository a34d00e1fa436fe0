import { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapter, SqlQueryable } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

// pglite-prisma-adapter@0.7.2 fires migration scripts without awaiting them (a failing
// migration would be recorded as applied) and never closes the shadow database it opens.
// This factory fixes both, lets the event loop turn before each statement (below), and is
// otherwise the upstream one.
export class AwaitingPGliteAdapterFactory extends PrismaPGlite {
  private readonly shadows: PGlite[] = [];

  constructor(private readonly db: PGlite) {
    super(db);
  }

  override async connect(): Promise<SqlDriverAdapter> {
    return takingTurns(withAwaitedScripts(await super.connect(), this.db));
  }

  override async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = new PGlite({ dataDir: 'memory://' });
    this.shadows.push(shadow);
    const adapter = await new PrismaPGlite(shadow).connect();
    return withAwaitedScripts(adapter, shadow);
  }

  async closeShadows(): Promise<void> {
    await Promise.all(this.shadows.splice(0).map((s) => s.close()));
  }
}

function withAwaitedScripts(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    await db.exec(script);
  };
  return adapter;
}

// PGlite runs in this process and answers through promises alone: the statements of a long
// operation would follow one another without the event loop ever turning, so no timer (the
// operation deadline, OPERATION_TIMEOUT_MS) and no other client's request would get a turn
// until it ended. One turn of the event loop before each statement keeps the server fair.
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function takingTurns<T extends SqlQueryable>(q: T): T {
  const queryRaw = q.queryRaw.bind(q);
  const executeRaw = q.executeRaw.bind(q);
  q.queryRaw = async (query) => {
    await turn();
    return queryRaw(query);
  };
  q.executeRaw = async (query) => {
    await turn();
    return executeRaw(query);
  };
  const adapter = q as Partial<SqlDriverAdapter>;
  const startTransaction = adapter.startTransaction?.bind(adapter);
  if (startTransaction)
    adapter.startTransaction = async (isolationLevel) => takingTurns(await startTransaction(isolationLevel));
  return q;
}
