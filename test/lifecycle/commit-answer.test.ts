// A commit answers from the row its statement wrote instead of reading the request again: every
// field of that answer is what a later read of the request gives (new container or reused,
// COMMITTED or FINAL at once), and an answer that asks for more than the row (a relation) is
// read as before.
import { requestInput } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { CR_ALL, containerIn, readRequest, tag } from '../helpers/lifecycle.js';

describeBackends('a commit answers from the row it wrote', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  const create = async (fields: string, overrides: Record<string, unknown>) =>
    ok(
      await gw().gql(
        `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { ${fields} } }`,
        { i: requestInput(overrides) },
        user.token,
      ),
    ).createContainerRequest;

  test('a new container: every field as read back', async () => {
    const answer = await create(CR_ALL, {
      command: ['echo', tag(), 'ü', ''],
      name: 'n',
      description: 'd',
      properties: { p: [1, { q: null }], z: 'ü' },
      environment: { B: '2', A: '1' },
      mounts: { '/in': { kind: 'tmp', capacity: 1000 } },
      schedulingParameters: { partitions: ['x'] },
      containerCountMax: 2,
      cwd: '/w',
      secretMounts: { '/s': { kind: 'text', content: 'secret' } },
    });
    expect(answer.state).toBe('COMMITTED');
    expect(answer.containerUuid).toMatch(/-dz642-/);
    expect(answer).toEqual(await readRequest(gw(), user.token, answer.uuid));
  });

  test('reusing a COMPLETE container: FINAL at once, with its output, as read back', async () => {
    const command = ['echo', tag()];
    const { containerUuid } = await containerIn(gw(), user.token, 'COMPLETE', { overrides: { command } });
    const answer = await create(CR_ALL, { command });
    expect(answer).toMatchObject({ state: 'FINAL', containerUuid });
    expect(answer).toEqual(await readRequest(gw(), user.token, answer.uuid));
  });

  test('asking for a relation too: the answer is read, the same', async () => {
    const answer = await create('uuid containerUuid container { uuid state }', { command: ['echo', tag()] });
    expect(answer.container).toEqual({ uuid: answer.containerUuid, state: 'QUEUED' });
  });
});
