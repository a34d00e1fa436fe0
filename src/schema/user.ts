import { createUser } from '../domain/users.js';
import { userVisibleWhere } from '../domain/visibility.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';

export const UserRef = builder.prismaNode('User', {
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [userVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid'),
    email: t.exposeString('email', { nullable: true }),
    fullName: t.exposeString('fullName', { nullable: true }),
    isAdmin: t.exposeBoolean('isAdmin'),
    isActive: t.exposeBoolean('isActive'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  t.withAuth({ loggedIn: true }).prismaField({
    type: 'User',
    description: 'The user of the token that authenticates this request.',
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.prisma.user.findUniqueOrThrow({ ...query, where: { uuid: ctx.caller.user.uuid } }),
  }),
);

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    fullName: t.string(),
    isAdmin: t.boolean(),
    isActive: t.boolean({ description: 'Default true.' }),
  }),
});

builder.mutationField('createUser', (t) =>
  t.withAuth({ admin: true }).prismaField({
    type: 'User',
    description: 'Admins only.',
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { config, db } = ctx.services;
      const user = await createUser(db.prisma, config.clusterId, input);
      return db.prisma.user.findUniqueOrThrow({ ...query, where: { uuid: user.uuid } });
    },
  }),
);
