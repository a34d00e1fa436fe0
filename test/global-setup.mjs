// globalSetup gets no moduleNameMapper: load the TypeScript helpers through tsx.
import { register } from 'tsx/esm/api';

register();
const { prepareTemplates } = await import('./helpers/templates.ts');
const { buildWorkbenchIfStale } = await import('./helpers/workbench-build.ts');
// The server processes the tests start run the compiled gateway, as `npm start` does: built
// from the sources as they are now (unchanged files are left alone).
const { buildServer } = await import('../scripts/build.ts');

export default async function globalSetup() {
  await Promise.all([prepareTemplates(), buildWorkbenchIfStale(), buildServer()]);
}
