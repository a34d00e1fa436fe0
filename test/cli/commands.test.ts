import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliContext, CliError, type Command, UsageError } from '../../src/cli/command.js';
import { createTokenCommand } from '../../src/cli/create-token.js';
import { createUserCommand } from '../../src/cli/create-user.js';
import { openCliDatabase } from '../../src/cli/database.js';
import { runCli, runCommand } from '../../src/cli/main.js';
import { saltToken, saltTokenCommand } from '../../src/cli/salt-token.js';
import { sweepTokensCommand } from '../../src/cli/sweep-tokens.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createToken } from '../../src/domain/tokens.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends, type TestGateway } from '../helpers/gateway.js';
import { pgliteTemplatePath } from '../helpers/templates.js';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** A CLI context on the test gateway's own config and database. */
function contextOn(gw: TestGateway): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    config: () => gw.gateway.services.config,
    database: async () => gw.gateway.services.db,
  };
}

async function run(gw: TestGateway, cmd: Command, args: string[]): Promise<Run> {
  const ctx = contextOn(gw);
  const code = await runCommand(cmd, args, ctx);
  return { code, out: ctx.out, err: ctx.err };
}

describeBackends('CLI commands', (gw) => {
  describe('create-user', () => {
    test('prints the uuid of a new active non-admin user', async () => {
      const r = await run(gw(), createUserCommand, ['--email', 'cli@example.com', '--full-name', 'Cli User']);
      expect(r).toMatchObject({ code: 0, err: [] });
      expect(r.out).toHaveLength(1);
      expect(r.out[0]).toMatch(/^zzzzz-tpzed-[0-9a-z]{15}$/);
      const user = await gw().gateway.services.db.prisma.user.findUnique({ where: { uuid: r.out[0]! } });
      expect(user).toMatchObject({
        email: 'cli@example.com',
        fullName: 'Cli User',
        isAdmin: false,
        isActive: true,
      });
    });

    test('--admin and --inactive', async () => {
      const r = await run(gw(), createUserCommand, ['--email', 'boss@example.com', '--admin', '--inactive']);
      const user = await gw().gateway.services.db.prisma.user.findUnique({ where: { uuid: r.out[0]! } });
      expect(user).toMatchObject({ isAdmin: true, isActive: false });
    });

    test.each([
      ['no --email', []],
      ['--email without a value', ['--email']],
      ['an unknown option', ['--email', 'a@example.com', '--root']],
      ['a positional argument', ['a@example.com']],
      ['an invalid email', ['--email', 'not-an-email']],
    ])('%s is bad usage (exit 2, usage on stderr, nothing on stdout)', async (_name, args) => {
      const r = await run(gw(), createUserCommand, args);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain('usage: npm run cli -- create-user --email E');
    });
  });

  describe('create-token', () => {
    let user: string;
    beforeAll(async () => {
      user = (await run(gw(), createUserCommand, ['--email', 'tok@example.com'])).out[0]!;
    });

    test('--user prints a v2 token that authenticates as that user', async () => {
      const r = await run(gw(), createTokenCommand, ['--user', user]);
      expect(r.code).toBe(0);
      expect(r.out[0]).toMatch(/^v2\/zzzzz-gj3su-[0-9a-z]{15}\/[0-9a-z]{50}$/);
      const me = await gw().gql(
        '{ me { uuid } currentApiClientAuthorization { scopes expiresAt } }',
        {},
        r.out[0]!,
      );
      expect(me.data).toEqual({
        me: { uuid: user },
        currentApiClientAuthorization: { scopes: ['all'], expiresAt: null },
      });
    });

    test('--admin prints a token of the system user', async () => {
      const r = await run(gw(), createTokenCommand, ['--admin']);
      const me = await gw().gql('{ me { uuid isAdmin } }', {}, r.out[0]!);
      expect(me.data.me).toEqual({ uuid: 'zzzzz-tpzed-000000000000000', isAdmin: true });
    });

    test('--scopes and --expires-in-seconds', async () => {
      const before = Date.now();
      const r = await run(gw(), createTokenCommand, [
        '--user',
        user,
        '--scopes',
        'query:me, query:node,query:me',
        '--expires-in-seconds',
        '3600',
      ]);
      const cur = await gw().gql('{ currentApiClientAuthorization { scopes expiresAt } }', {}, r.out[0]!);
      expect(cur.data.currentApiClientAuthorization.scopes).toEqual(['query:me', 'query:node']);
      const expiresAt = Date.parse(cur.data.currentApiClientAuthorization.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000);
      // The scopes hold.
      const denied = await gw().gql(
        'mutation { createApiClientAuthorization(input: {}) { uuid } }',
        {},
        r.out[0]!,
      );
      expect(errorCode(denied)).toBe('FORBIDDEN');
    });

    test('a token for an inactive user comes with a warning on stderr', async () => {
      const inactive = (await run(gw(), createUserCommand, ['--email', 'off@example.com', '--inactive']))
        .out[0]!;
      const r = await run(gw(), createTokenCommand, ['--user', inactive]);
      expect(r.code).toBe(0);
      expect(r.out).toHaveLength(1);
      expect(r.err.join('\n')).toMatch(/inactive/);
    });

    test('an unknown user fails (exit 1) and says how to create one', async () => {
      const r = await run(gw(), createTokenCommand, ['--user', 'zzzzz-tpzed-0123456789abcde']);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain('npm run cli -- create-user');
    });

    test.each([
      ['neither --user nor --admin', []],
      ['both --user and --admin', ['--user', 'zzzzz-tpzed-0123456789abcde', '--admin']],
      ['a --user that is not a user uuid', ['--user', 'zzzzz-gj3su-0123456789abcde']],
      ['an invalid scope', ['--admin', '--scopes', 'GET /arvados/v1/users']],
      ['empty scopes', ['--admin', '--scopes', ' , ']],
      ['zero seconds', ['--admin', '--expires-in-seconds', '0']],
      ['negative seconds', ['--admin', '--expires-in-seconds', '-5']],
      ['fractional seconds', ['--admin', '--expires-in-seconds', '1.5']],
      ['words for seconds', ['--admin', '--expires-in-seconds', 'soon']],
      ['more than ten years', ['--admin', '--expires-in-seconds', '999999999']],
    ])('%s is bad usage (exit 2) and creates no token', async (_name, args) => {
      const { prisma } = gw().gateway.services.db;
      const before = await prisma.apiClientAuthorization.count();
      const r = await run(gw(), createTokenCommand, args);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain('usage: npm run cli -- create-token');
      expect(await prisma.apiClientAuthorization.count()).toBe(before);
    });
  });

  describe('sweep-tokens', () => {
    test('prints how many expired tokens it deleted, and deletes only those', async () => {
      const { prisma } = gw().gateway.services.db;
      await run(gw(), sweepTokensCommand, []); // start from no expired rows
      const user = (await run(gw(), createUserCommand, ['--email', 'sweep@example.com'])).out[0]!;
      for (const ms of [-60_000, -1, 60_000])
        await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', {
          userUuid: user,
          expiresAt: new Date(Date.now() + ms),
        });
      await createToken(prisma, gw().gateway.services.secrets, 'zzzzz', { userUuid: user });
      expect(await run(gw(), sweepTokensCommand, [])).toEqual({ code: 0, out: ['2'], err: [] });
      expect(await prisma.apiClientAuthorization.count({ where: { userUuid: user } })).toBe(2);
      expect((await run(gw(), sweepTokensCommand, [])).out).toEqual(['0']);
    });

    test('takes no arguments', async () => {
      expect((await run(gw(), sweepTokensCommand, ['--all'])).code).toBe(2);
    });
  });

  describe('salt-token', () => {
    const token = 'v2/zzzzz-gj3su-0123456789abcde/abcdefghijklmnopqrstuvwxyz0123456789';

    test('prints v2/<uuid>/<hex HMAC-SHA1(key = secret, message = cluster id)>', async () => {
      const hmac = crypto
        .createHmac('sha1', 'abcdefghijklmnopqrstuvwxyz0123456789')
        .update('aaaaa')
        .digest('hex');
      expect(saltToken(token, 'aaaaa')).toBe(`v2/zzzzz-gj3su-0123456789abcde/${hmac}`);
      const r = await run(gw(), saltTokenCommand, [token, 'aaaaa']);
      expect(r).toEqual({ code: 0, out: [`v2/zzzzz-gj3su-0123456789abcde/${hmac}`], err: [] });
    });

    test('the salted token authenticates at home only for requests naming that remote cluster', async () => {
      const user = await gw().newUser();
      const salted = saltToken(user.token, 'aaaaa');
      const asRemote = await gw().gql('{ currentApiClientAuthorization { userUuid } }', {}, salted, {
        'x-arvados-remote-cluster': 'aaaaa',
      });
      expect(asRemote.data?.currentApiClientAuthorization.userUuid).toBe(user.uuid);
      const plain = await gw().gql('{ me { uuid } }', {}, salted);
      expect(errorCode(plain)).toBe('UNAUTHENTICATED');
      const otherRemote = await gw().gql('{ me { uuid } }', {}, salted, {
        'x-arvados-remote-cluster': 'bbbbb',
      });
      expect(errorCode(otherRemote)).toBe('UNAUTHENTICATED');
    });

    test.each([
      ['a v1 token', ['abcdefghijklmnopqrstuvwxyz0123456789', 'aaaaa']],
      ['a container-bound token', [`${token}/zzzzz-dz642-0123456789abcde`, 'aaaaa']],
      ['a malformed token', ['v2/nope/abc', 'aaaaa']],
      ['a bad cluster id', [token, 'AAAAA']],
      ['a long cluster id', [token, 'aaaaaa']],
      ['one argument', [token]],
      ['three arguments', [token, 'aaaaa', 'bbbbb']],
    ])('%s is bad usage (exit 2), and the secret is never printed', async (_name, args) => {
      const r = await run(gw(), saltTokenCommand, args);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
    });

    test('needs neither configuration nor database', async () => {
      const ctx: CliContext = {
        io: { out: () => {}, err: () => {} },
        config: () => {
          throw new Error('config read');
        },
        database: async () => {
          throw new Error('database opened');
        },
      };
      expect(await runCommand(saltTokenCommand, [token, 'aaaaa'], ctx)).toBe(0);
    });
  });
});

describe('runCli', () => {
  async function cli(argv: string[], env: Record<string, string> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
    return { code, out, err };
  }

  test('no command: usage on stderr, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(
      /usage: npm run cli -- <command>[\s\S]*create-user[\s\S]*create-token[\s\S]*sweep-tokens[\s\S]*salt-token/,
    );
  });

  test('help: usage on stdout, exit 0', async () => {
    for (const h of ['help', '--help', '-h']) expect((await cli([h])).code).toBe(0);
  });

  test('<command> --help prints its options, exit 0, and runs nothing', async () => {
    const r = await cli(['create-token', '--help'], { DATA_DIR: '/nonexistent/never/opened' });
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('usage: npm run cli -- create-token (--user UUID | --admin)');
  });

  test('an unknown command: exit 2, echoed only when it looks like a command name', async () => {
    const a = await cli(['create-users']);
    expect(a.code).toBe(2);
    expect(a.err.join('\n')).toContain('Unknown command "create-users"');
    const b = await cli(['v2/zzzzz-gj3su-0123456789abcde/topsecret']);
    expect(b.code).toBe(2);
    expect(b.err.join('\n')).not.toContain('topsecret');
  });

  test('bad configuration: one line naming the variable, exit 2', async () => {
    const r = await cli(['sweep-tokens'], { PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/^Invalid configuration: PORT .*same environment as the server/);
    expect(r.err.join('\n')).not.toContain('eighty');
  });

  test('salt-token works whatever the environment', async () => {
    const r = await cli(['salt-token', 'v2/zzzzz-gj3su-0123456789abcde/abc', 'aaaaa'], {
      PORT: 'eighty',
      DATABASE_URL: 'nonsense',
    });
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^v2\/zzzzz-gj3su-0123456789abcde\/[0-9a-f]{40}$/);
  });

  test('an unreachable PostgreSQL fails (exit 1) and says to check DATABASE_URL, without the password', async () => {
    const r = await cli(['sweep-tokens'], { DATABASE_URL: 'postgresql://gw:hunter2@127.0.0.1:1/gw' });
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('Check that DATABASE_URL');
    expect(r.err.join('\n')).not.toContain('hunter2');
  });
});

describe('the CLI on an embedded database the server holds', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is refused with an error that says to stop the server; works once it is stopped', async () => {
    const config = loadConfig({ DATA_DIR: dir });
    // Stands in for the running server; starts from the migrated template rather than initdb.
    const server = await openDatabase(config.database, {
      loadDataDir: new Blob([fs.readFileSync(pgliteTemplatePath())]),
    });
    let err: unknown;
    try {
      err = await openCliDatabase(config).catch((e: unknown) => e);
    } finally {
      await server.close();
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/is in use by another gateway process[\s\S]*stop the server/);

    const out: string[] = [];
    const code = await runCli(
      ['create-user', '--email', 'after@example.com'],
      { out: (l) => out.push(l), err: () => {} },
      { DATA_DIR: dir },
    );
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^zzzzz-tpzed-/);
  });
});

test('UsageError and CliError are distinct kinds', () => {
  expect(new UsageError('x')).not.toBeInstanceOf(CliError);
});
