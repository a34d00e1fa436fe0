import { issueToken } from '../domain/token-issuance.js';
import { tokenVisibleWhere } from '../domain/visibility.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';

// The token string, for the rows of the two payloads that show it (createApiClientAuthorization
// and containerAuth). Kept beside the row, not in it: no other row can carry one by mistake.
const apiTokens = new WeakMap<object, string>();

/** The row, whose apiToken field will show `apiToken` (in this one response). */
export function revealingApiToken<T extends object>(row: T, apiToken: string): T {
  apiTokens.set(row, apiToken);
  return row;
}

export const ApiClientAuthorizationRef = builder.prismaNode('ApiClientAuthorization', {
  description: 'An API token (its secret is never shown but once: see apiToken).',
  id: { field: 'uuid' },
  // select mode: the secret columns (digest, sealed) are never read for GraphQL output.
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [tokenVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid', { description: "The token's uuid (`<cluster>-gj3su-<15>`); also its `id`." }),
    userUuid: t.exposeID('userUuid', { description: 'The user it acts for.' }),
    scopes: t.exposeStringList('scopes', {
      description: 'What it may call: all, or <root>:<field> / <root>:*.',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it expires (null: never).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    apiToken: t.string({
      nullable: true,
      description:
        'The full v2 token string: only in the payload of createApiClientAuthorization and containerAuth.',
      resolve: (parent) => apiTokens.get(parent) ?? null,
    }),
    user: t.relation('user', { description: 'The user it acts for.' }),
  }),
});

builder.queryField('currentApiClientAuthorization', (t) =>
  t.withAuth({ loggedIn: true }).prismaField({
    type: 'ApiClientAuthorization',
    description: "The caller's own token (apiToken null). Also the federation validation call.",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: ctx.caller.token.uuid },
      }),
  }),
);

const CreateApiClientAuthorizationInput = builder.inputType('CreateApiClientAuthorizationInput', {
  description: 'A new token.',
  fields: (t) => ({
    scopes: t.stringList({
      description:
        'Default ["all"]. Each: all, query:<field>, mutation:<field>, subscription:<field>, or <root>:*.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it expires (in the future); default never.' }),
    userUuid: t.id({ description: 'Admins only; default the caller.' }),
  }),
});

builder.mutationField('createApiClientAuthorization', (t) =>
  t.withAuth({ loggedIn: true }).prismaField({
    type: 'ApiClientAuthorization',
    description: 'Issues a token; apiToken in this payload is the only time its secret is shown.',
    args: {
      input: t.arg({ type: CreateApiClientAuthorizationInput, required: true, description: 'The token.' }),
    },
    resolve: async (query, _root, { input }, ctx) => {
      const { db, config, secrets } = ctx.services;
      const { token, apiToken } = await issueToken(
        db.prisma,
        secrets,
        config.clusterId,
        { caller: ctx.caller },
        input,
      );
      const row = await db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: token.uuid },
      });
      return revealingApiToken(row, apiToken);
    },
  }),
);
