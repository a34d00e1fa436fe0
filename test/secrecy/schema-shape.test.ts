// Secrecy (a): no field or argument of any output type can carry a runtime token, secret
// mounts or a token secret, apart from the ones design.md §10 names; the secret inputs exist only on
// the two request input types (write-only); nothing filters or sorts on a secret. Checked on
// the committed schema.graphql and on what the running server answers to introspection.
import fs from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  type GraphQLSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import { describeBackends } from '../helpers/gateway.js';

// Anything named like a token or a secret: runtimeToken, secretMounts, secretMountsMd5, secret, apiToken, …
const SECRETISH = /token|secret/i;

// Where design.md §10 allows one: apiToken (set only by createApiClientAuthorization and containerAuth)
// and containerSecretMounts (answered only to the container's own token).
const ALLOWED_OUTPUT = new Set(['ApiClientAuthorization.apiToken', 'Query.containerSecretMounts']);
const SECRET_INPUTS = [
  'CreateContainerRequestInput.runtimeToken',
  'CreateContainerRequestInput.secretMounts',
  'UpdateContainerRequestInput.runtimeToken',
  'UpdateContainerRequestInput.secretMounts',
];

interface Finding {
  output: string[];
  args: string[];
  inputs: string[];
  enumValues: string[];
}

function secretNames(schema: GraphQLSchema): Finding {
  const out: Finding = { output: [], args: [], inputs: [], enumValues: [] };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (SECRETISH.test(field.name)) out.output.push(`${type.name}.${field.name}`);
        for (const arg of field.args)
          if (SECRETISH.test(arg.name)) out.args.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (SECRETISH.test(field.name)) out.inputs.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const v of type.getValues())
        if (SECRETISH.test(v.name)) out.enumValues.push(`${type.name}.${v.name}`);
    }
  }
  return out;
}

function expectNoSecretChannels(schema: GraphQLSchema) {
  const f = secretNames(schema);
  expect(f.output.filter((n) => !ALLOWED_OUTPUT.has(n))).toEqual([]);
  expect(f.args).toEqual([]);
  expect(f.inputs.sort()).toEqual(SECRET_INPUTS);
  // No sort enum, filter or argument names a secret.
  expect(f.enumValues).toEqual([]);
  // The allowed ones are there (the check above is not vacuous).
  expect(f.output.sort()).toEqual([...ALLOWED_OUTPUT].sort());

  // The secret inputs are reachable only as mutation arguments, never from an output type.
  for (const name of ['CreateContainerRequestInput', 'UpdateContainerRequestInput']) {
    const users = Object.values(schema.getTypeMap())
      .filter((t) => !t.name.startsWith('__') && (isObjectType(t) || isInterfaceType(t)))
      .flatMap((t) =>
        Object.values(
          (
            t as { getFields(): Record<string, { name: string; args: readonly { type: unknown }[] }> }
          ).getFields(),
        ).map((fld) => ({ t: t.name, fld })),
      )
      .filter(({ fld }) => fld.args.some((a) => String(a.type).replace(/[![\]]/g, '') === name))
      .map(({ t, fld }) => `${t}.${fld.name}`);
    expect(users.every((u) => u.startsWith('Mutation.'))).toBe(true);
    expect(users.length).toBeGreaterThan(0);
  }

  // The filters: nothing secret, and the documented filters.
  const crFilter = schema.getType('ContainerRequestFilter');
  const cFilter = schema.getType('ContainerFilter');
  expect(isInputObjectType(crFilter) && Object.keys(crFilter.getFields()).sort()).toEqual([
    'containerUuid',
    'nameContains',
    'requestingContainerUuid',
    'state',
  ]);
  expect(isInputObjectType(cFilter) && Object.keys(cFilter.getFields()).sort()).toEqual([
    'lockedByUuid',
    'minPriority',
    'state',
  ]);

  // apiToken is a nullable String (null everywhere but the two payloads).
  const aca = schema.getType('ApiClientAuthorization');
  expect(isObjectType(aca) && String(aca.getFields().apiToken!.type)).toBe('String');
}

test('schema.graphql has no output field or argument that carries a secret', () => {
  const sdl = fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
  expectNoSecretChannels(buildSchema(sdl));
});

describeBackends('the served schema (introspection)', (gw) => {
  test('has no output field or argument that carries a secret', async () => {
    const r = await gw().gql(getIntrospectionQuery(), {}, null);
    expect(r.errors).toBeUndefined();
    expectNoSecretChannels(buildClientSchema(r.data as IntrospectionQuery));
  });
});
