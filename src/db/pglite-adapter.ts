import { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

// pglite-prisma-adapter@0.7.2 fires migration scripts without awaiting them (a failing
// migration would be recorded as applied) and never closes the shadow database it opens.
// This factory fixes both and is otherwise the upstream one.
export class AwaitingPGliteAdapterFactory extends PrismaPGlite {
  private readonly shadows: PGlite[] = [];

  constructor(private readonly db: PGlite) {
    super(db);
  }

  override async connect(): Promise<SqlDriverAdapter> {
    return withAwaitedScripts(await super.connect(), this.db);
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
