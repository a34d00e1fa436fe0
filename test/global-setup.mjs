// globalSetup gets no moduleNameMapper: load the TypeScript helpers through tsx.
import { register } from 'tsx/esm/api';

register();
const { prepareTemplates } = await import('./helpers/templates.ts');
const { buildWorkbenchIfStale } = await import('./helpers/workbench-build.ts');

export default async function globalSetup() {
  await Promise.all([prepareTemplates(), buildWorkbenchIfStale()]);
}
