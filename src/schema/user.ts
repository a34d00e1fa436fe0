import { createUser } from '../domain/users.js';
import { userVisibleWhere } from '../domain/visibility.js';
import { builder } from './builder.js';
import { callerOf } from './caller.js';

export const UserRef = builder.prismaNode('User', {
  description: 'A user: who owns container requests and tokens.',
  id: { field: 'uuid' },
  select: {},
  findUnique: (uuid, ctx) => ({ uuid, AND: [userVisibleWhere(callerOf(ctx))] }),
  nullable: true,
  fields: (t) => ({
    uuid: t.exposeID('uuid', { description: "The user's uuid (`<cluster>-tpzed-<15>`); also its `id`." }),
    email: t.exposeString('email', { nullable: true, description: 'Email address.' }),
    fullName: t.exposeString('fullName', { nullable: true, description: 'Full name.' }),
    isAdmin: t.exposeBoolean('isAdmin', { description: 'Admins see and may do everything.' }),
    isActive: t.exposeBoolean('isActive', { description: 'An inactive user may only call `me`.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

builder.queryField('me', (t) =>
  t.withAuth({ loggedIn: true }).prismaField({
    type: 'User',
    description: 'The user of the token that authenticates this request.',
    // The row authentication read for this request: no second read (User has no relations to select).
    resolve: (_query, _root, _args, ctx) => ctx.caller.user,
  }),
);

const CreateUserInput = builder.inputType('CreateUserInput', {
  description: 'A new user.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'Email address.' }),
    fullName: t.string({ description: 'Full name.' }),
    isAdmin: t.boolean({ description: 'Default false.' }),
    isActive: t.boolean({ description: 'Default true.' }),
  }),
});

builder.mutationField('createUser', (t) =>
  t.withAuth({ admin: true }).prismaField({
    type: 'User',
    description: 'Creates a user. Admins only.',
    args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The user.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { config, db } = ctx.services;
      const user = await createUser(db.prisma, config.clusterId, input);
      return db.prisma.user.findUniqueOrThrow({ ...query, where: { uuid: user.uuid } });
    },
  }),
);
