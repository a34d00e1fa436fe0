import { issueToken } from '../domain/token-issuance.js';
import { tokenVisibleWhere } from '../domain/visibility.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';

/** A token row as the schema sees it; apiToken is set only where API.md allows it. */
export type WithApiToken = { apiToken?: string | null };

export const ApiClientAuthorizationRef = builder.prismaNode('ApiClientAuthorization', {
  id: { field: 'uuid' },
  // select mode: the secret column is never read for GraphQL output.
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [tokenVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid'),
    userUuid: t.exposeID('userUuid'),
    scopes: t.exposeStringList('scopes'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    apiToken: t.string({
      nullable: true,
      description:
        'The full v2 token string: only in the payload of createApiClientAuthorization and containerAuth.',
      resolve: (parent) => (parent as WithApiToken).apiToken ?? null,
    }),
    user: t.relation('user'),
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
  fields: (t) => ({
    scopes: t.stringList({
      description:
        'Default ["all"]. Each: all, query:<field>, mutation:<field>, subscription:<field>, or <root>:*.',
    }),
    expiresAt: t.field({ type: 'DateTime' }),
    userUuid: t.id({ description: 'Admins only; default the caller.' }),
  }),
});

builder.mutationField('createApiClientAuthorization', (t) =>
  t.withAuth({ loggedIn: true }).prismaField({
    type: 'ApiClientAuthorization',
    description: 'Issues a token; apiToken in this payload is the only time its secret is shown.',
    args: { input: t.arg({ type: CreateApiClientAuthorizationInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { db, config } = ctx.services;
      const { token, apiToken } = await issueToken(
        db.prisma,
        config.clusterId,
        { caller: ctx.caller },
        input,
      );
      const row = await db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: token.uuid },
      });
      return { ...row, apiToken } as typeof row;
    },
  }),
);
