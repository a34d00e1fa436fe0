// An unexpected error is masked for the client and logged by kind and place only: a driver's
// message quotes SQL and parameters, which redact() cannot recognise. A trigger in this test's
// own database makes PostgreSQL refuse the insert with a message quoting the row's secret
// mounts — a real driver error, through the real resolver, with a secret in its message.

import { requestInput } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';
import { found, mountSecret, secretMounts, tokenNeedles } from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { issueToken } from '../helpers/tokens.js';

const CREATE = 'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }';

describeBackends('unexpected errors in the log', (gw) => {
  // The database is this block's own, dropped with it: the trigger needs no removal.
  beforeAll(async () => {
    await sql(
      gw(),
      `CREATE FUNCTION refuse_with_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused: % %', NEW.secret_mounts::text, NEW.command::text; END $$`,
    );
    await sql(
      gw(),
      'CREATE TRIGGER refuse_with_row BEFORE INSERT ON container_requests FOR EACH ROW EXECUTE FUNCTION refuse_with_row()',
    );
  });

  test('carry the name, code and path of the error, never its message', async () => {
    const owner = await gw().newUser();
    const token = await issueToken(gw(), owner.token);
    const content = mountSecret();
    const needles = {
      'secret mount': content,
      ...tokenNeedles('token in the command', token.apiToken),
      'bare secret': token.secret,
    };
    const logged = gw().logs.length;

    const r = await gw().gql(
      CREATE,
      {
        i: requestInput({
          secretMounts: secretMounts(content),
          command: ['run', token.secret, token.apiToken],
        }),
      },
      owner.token,
    );
    // The vector still works: the database refused the row (else this test proves nothing).
    expect(r.errors?.[0]).toEqual({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(found(r.body, needles)).toEqual([]);

    const lines = gw()
      .logs.slice(logged)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const unexpected = lines.filter((l) => l.msg === 'unexpected error');
    expect(unexpected).toHaveLength(1);
    const { time: _time, ...line } = unexpected[0]!;
    expect(line).toEqual({
      level: 'error',
      msg: 'unexpected error',
      name: expect.any(String),
      code: expect.stringMatching(/^P\d{4}$/),
      path: ['createContainerRequest'],
    });
    expect(found(gw().logs.join('\n'), needles)).toEqual([]);
    expect(gw().logs.join('\n')).not.toMatch(/refused|INSERT|container_requests/);
  });
});
