import { defineConfig } from 'prisma/config';

// No datasource URL: the CLI is only used to generate the client (migrations run through
// the WASM schema engine in src/db/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
});
