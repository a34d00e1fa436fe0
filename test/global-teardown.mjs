import { register } from 'tsx/esm/api';

register();
const { dropTestDatabases } = await import('./helpers/templates.ts');

export default async function globalTeardown() {
  await dropTestDatabases();
}
