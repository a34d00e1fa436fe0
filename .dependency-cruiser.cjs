// Which part of src/ may import which: the folder DAG of the README's Architecture section.
// A part is a folder src/<name>/ or a top-level file src/<name>.ts. Checked by `npm run depcheck`.

/** Each part and the parts it may import (its own files always may). Top to bottom. */
const MAY_IMPORT = {
  // Entry points.
  server: ['schema', 'auth', 'federation', 'domain', 'core', 'db', 'config', 'format', 'errors', 'generated'],
  cli: ['domain', 'core', 'db', 'config', 'format', 'errors', 'generated'],
  // GraphQL: types and thin resolvers over the domain.
  schema: ['domain', 'core', 'db', 'config', 'format', 'errors', 'generated'],
  // Request authentication, and other clusters' tokens: both over the token domain.
  auth: ['domain', 'core', 'db', 'config', 'format', 'errors', 'generated'],
  federation: ['domain', 'core', 'db', 'config', 'format', 'errors', 'generated'],
  // The rules, without GraphQL or HTTP.
  domain: ['core', 'db', 'config', 'format', 'errors', 'generated'],
  // Shared types only (services, context, caller, events, logger, validator): the leaf the
  // layers above meet in.
  core: ['db', 'config', 'format', 'errors', 'generated'],
  config: ['db', 'format'],
  db: ['errors', 'generated'],
  // Uuids and token strings: pure functions.
  format: [],
  errors: [],
  generated: [],
  // Separate programs: a GraphQL client of the gateway, and the web UI. They share no code
  // with the gateway (nor does the gateway import them).
  dispatcher: [],
  workbench: [],
};

const part = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;
const PARTS = Object.keys(MAY_IMPORT);

// The table itself must be a DAG, or the rules below would allow a cycle between parts.
(function assertAcyclic() {
  const state = {};
  const visit = (p, trail) => {
    if (state[p] === 'done') return;
    if (state[p] === 'active')
      throw new Error(`.dependency-cruiser.cjs: parts form a cycle: ${[...trail, p].join(' → ')}`);
    state[p] = 'active';
    for (const q of MAY_IMPORT[p] ?? []) visit(q, [...trail, p]);
    state[p] = 'done';
  };
  for (const p of PARTS) visit(p, []);
})();

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in a circle.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'unknown-part',
      severity: 'error',
      comment: 'A new folder or top-level file under src/: add it to MAY_IMPORT in .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: part(PARTS) },
      to: {},
    },
    {
      name: 'workbench-is-separate',
      severity: 'error',
      comment:
        'workbench/ (the web UI) talks to the gateway over HTTP only: it imports nothing of the project outside workbench/ (its types come from schema.graphql through codegen).',
      from: { path: '^workbench/' },
      to: { path: '^(src|test|scripts|bench|examples|prisma)/' },
    },
    {
      name: 'gateway-serves-not-imports-workbench',
      severity: 'error',
      comment: 'The gateway serves the workbench build as files; it never imports its code.',
      from: { path: '^src/' },
      to: { path: '^workbench/' },
    },
    ...PARTS.map((p) => ({
      name: `${p}-may-import`,
      severity: 'error',
      comment: `src/${p} may import only: ${MAY_IMPORT[p].join(', ') || 'nothing else in src/'}.`,
      from: { path: part([p]) },
      to: { path: '^src/', pathNot: part([p, ...MAY_IMPORT[p]]) },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    // Type-only imports count: a type import is still a dependency between parts.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs'] },
  },
};
