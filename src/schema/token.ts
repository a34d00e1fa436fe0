import { isValidScope, normalizeScopes, scopeCovers } from '../domain/scopes.js';
import { createToken } from '../domain/tokens.js';
import { tokenVisibleWhere } from '../domain/visibility.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { clusterOf } from '../format/uuid.js';
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
  t.prismaField({
    type: 'ApiClientAuthorization',
    description: "The caller's own token (apiToken null). Also the federation validation call.",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: callerOf(ctx).token.uuid },
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
  t.prismaField({
    type: 'ApiClientAuthorization',
    description: 'Issues a token; apiToken in this payload is the only time its secret is shown.',
    args: { input: t.arg({ type: CreateApiClientAuthorizationInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const caller = callerOf(ctx);
      const { db, config } = ctx.services;
      const userUuid = input.userUuid ?? caller.user.uuid;
      // A local token for another cluster's user would outlive a revocation at its home.
      if (clusterOf(caller.token.uuid) !== config.clusterId || clusterOf(userUuid) !== config.clusterId) {
        throw forbidden('Tokens for users of another cluster are issued by their home cluster');
      }
      if (userUuid !== caller.user.uuid) {
        if (!caller.user.isAdmin) throw forbidden('Only admins may create tokens for other users');
        if (!(await db.prisma.user.findUnique({ where: { uuid: userUuid }, select: { uuid: true } })))
          throw notFound('User not found');
      }
      const scopes = input.scopes ?? ['all'];
      const bad = scopes.findIndex((s) => !isValidScope(s));
      if (bad >= 0 || scopes.length === 0 || scopes.length > 100) {
        throw badInput(
          'scopes',
          'scopes must be a non-empty list of: all, query:<field>, mutation:<field>, subscription:<field>, <root>:*',
        );
      }
      // A narrowed token cannot mint a broader one.
      if (!scopes.every((s) => scopeCovers(caller.token.scopes, s))) {
        throw forbidden('A token may only create tokens with scopes its own scopes cover');
      }
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
        throw badInput('expiresAt', 'expiresAt must be in the future');
      const { token, apiToken } = await createToken(db.prisma, config.clusterId, {
        userUuid,
        scopes: normalizeScopes(scopes),
        expiresAt: input.expiresAt ?? null,
      });
      const row = await db.prisma.apiClientAuthorization.findUniqueOrThrow({
        ...query,
        where: { uuid: token.uuid },
      });
      return { ...row, apiToken } as typeof row;
    },
  }),
);
