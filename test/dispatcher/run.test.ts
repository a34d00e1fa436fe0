// The dispatcher end to end: a real gateway over HTTP, `src/dispatcher/main.ts` as a real process
// with a token narrowed to the dispatcher's scopes, and real commands run as local processes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUIRED_SCOPES } from '../../src/dispatcher/operations.js';
import { createRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import {
  containerReaches,
  DispatcherProcess,
  nodeCommand,
  requestFinal,
  WAIT_FOR_GO,
  waitFor,
} from '../helpers/dispatcher.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { dump, found, mountSecret, secretMounts, tokenNeedles } from '../helpers/secrets.js';
import { issueToken } from '../helpers/tokens.js';

/** Asks the gateway, with the container's token, who it is; prints the answer; leaves the token where the test can try it afterwards. */
const WHO_AM_I = `
const url = 'http://' + process.env.ARVADOS_API_HOST + '/graphql';
fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.ARVADOS_API_TOKEN },
  body: JSON.stringify({ query: '{ me { uuid } currentContainer { uuid } }' }) })
  .then((r) => r.text()).then((t) => { console.log(t); require('fs').writeFileSync(process.env.TOKEN_OUT, process.env.ARVADOS_API_TOKEN, { mode: 0o600 }); });`;

describeBackends('the dispatcher runs containers', (gw) => {
  // Nested: its afterAll (stopping the dispatcher) runs before the gateway closes.
  describe('with a dispatcher holding a narrowed token', () => {
    let dispatcher: DispatcherProcess;
    let user: { uuid: string; token: string };
    let scratch: string;
    /** Secrets that must appear in no log: named for the failure message. */
    const needles: Record<string, string> = {};

    beforeAll(async () => {
      const url = await gw().gateway.listen(0, '127.0.0.1');
      const narrowed = await issueToken(gw(), gw().rootToken, { scopes: [...REQUIRED_SCOPES] });
      Object.assign(
        needles,
        tokenNeedles('dispatcher token', narrowed.apiToken),
        tokenNeedles('root token', gw().rootToken),
      );
      user = await gw().newUser();
      Object.assign(needles, tokenNeedles('user token', user.token));
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-scratch-'));
      dispatcher = await DispatcherProcess.start(url, { token: narrowed.apiToken }).ready();
    });

    afterAll(async () => {
      const exit = await dispatcher?.stop();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(found(dispatcher.lines.join('\n'), needles)).toEqual([]);
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(dispatcher.dir, { recursive: true, force: true });
    });

    const tokenFile = () => path.join(scratch, `token-${tag()}`);

    test('`me` inside the container: the runtime token’s user with a runtimeToken, the submitter without; the token dies with the container', async () => {
      const runner = await gw().newUser();
      const runtimeToken = (await issueToken(gw(), runner.token)).apiToken;
      Object.assign(needles, tokenNeedles('runtime token', runtimeToken));
      const t = tag();

      const outWith = tokenFile();
      const withRt = await createRequest(gw(), user.token, {
        command: nodeCommand(WHO_AM_I, t),
        environment: { TOKEN_OUT: outWith },
        runtimeToken,
      });
      const outWithout = tokenFile();
      const without = await createRequest(gw(), user.token, {
        command: nodeCommand(WHO_AM_I, t),
        environment: { TOKEN_OUT: outWithout },
      });

      const a = await requestFinal(gw(), user.token, withRt.uuid);
      const b = await requestFinal(gw(), user.token, without.uuid);
      for (const [cr, who] of [
        [a, runner.uuid],
        [b, user.uuid],
      ] as const) {
        const c = await containerReaches(gw(), cr.containerUuid, ['COMPLETE']);
        expect(c.exitCode).toBe(0);
        const answer = JSON.parse(c.log.split('\n').find((l: string) => l.startsWith('{"data"')));
        expect(answer.data).toEqual({ me: { uuid: who }, currentContainer: { uuid: cr.containerUuid } });
        expect(cr.log).toBe(c.log);
      }

      // What the command was handed: the container-bound form. Final now, so it is refused.
      const handedWith = fs.readFileSync(outWith, 'utf8');
      const handedWithout = fs.readFileSync(outWithout, 'utf8');
      expect(handedWith).toBe(`${runtimeToken}/${a.containerUuid}`);
      expect(handedWithout).toMatch(
        new RegExp(`^v2/zzzzz-gj3su-[0-9a-z]{15}/[0-9a-zA-Z]+/${b.containerUuid}$`),
      );
      Object.assign(needles, tokenNeedles('generated token', handedWithout));
      expectError(await gw().gql('{ me { uuid } }', {}, handedWithout), 'UNAUTHENTICATED');
      expectError(
        await gw().gql('{ me { uuid } }', {}, handedWithout.split('/').slice(0, 3).join('/')),
        'UNAUTHENTICATED',
      );
      expectError(await gw().gql('{ me { uuid } }', {}, handedWith), 'UNAUTHENTICATED');
      // The runtime token itself belongs to its user and lives on.
      expect(ok(await gw().gql('{ me { uuid } }', {}, runtimeToken)).me.uuid).toBe(runner.uuid);
      for (const c of [a, b]) expect(found(c.log, needles)).toEqual([]);
    });

    test('exit code and output: a manifest of what the command left in outputPath', async () => {
      const script = `const fs = require('fs'); fs.writeFileSync('a.txt', 'hello'); fs.mkdirSync('sub'); fs.writeFileSync('sub/b.bin', Buffer.alloc(1000, 7)); process.exit(3);`;
      const cr = await createRequest(gw(), user.token, {
        command: nodeCommand(script, tag()),
        cwd: '/out',
        outputPath: '/out',
      });
      const final = await requestFinal(gw(), user.token, cr.uuid);
      const c = await containerReaches(gw(), cr.containerUuid, ['COMPLETE']);
      expect(c).toMatchObject({ exitCode: 3, progress: 1 });
      const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
      expect(JSON.parse(c.output)).toEqual({
        files: [
          { path: 'a.txt', size: 5, sha256: sha('hello') },
          { path: 'sub/b.bin', size: 1000, sha256: sha(Buffer.alloc(1000, 7)) },
        ],
        fileCount: 2,
        totalBytes: 1005,
      });
      expect(final.output).toBe(c.output);
      expect(c.log).toMatch(/dispatcher: finished with exit code 3/);
      // The files stay where the dispatcher put them.
      expect(fs.readFileSync(path.join(dispatcher.dir, cr.containerUuid, 'root/out/a.txt'), 'utf8')).toBe(
        'hello',
      );
    });

    test('the log is streamed while the command runs; runtimeStatus says where it runs', async () => {
      const go = path.join(scratch, `go-${tag()}`);
      const cr = await createRequest(gw(), user.token, {
        command: nodeCommand(WAIT_FOR_GO, tag()),
        environment: { GO: go },
      });
      const running = await waitFor('the log to show the first line while RUNNING', async () => {
        const c = await containerReaches(gw(), cr.containerUuid, ['RUNNING', 'COMPLETE', 'CANCELLED']);
        return c.state === 'RUNNING' && c.log?.includes('started\n') ? c : null;
      });
      expect(running.runtimeStatus).toMatchObject({ activity: 'running', host: os.hostname() });
      expect(running.log).not.toMatch(/^went$/m);
      fs.writeFileSync(go, '');
      const c = await containerReaches(gw(), cr.containerUuid, ['COMPLETE']);
      expect(c.log).toMatch(/started\nwent\n/);
      expect(c.exitCode).toBe(0);
    });

    test.each([
      [
        'a missing executable',
        { command: ['no-such-command-here', tag()] },
        /cannot start: no such executable: "no-such-command-here"/,
      ],
      [
        'a cwd that does not exist',
        { command: ['true', tag()], cwd: '/nowhere' },
        /cannot start: cwd "\/nowhere" does not exist/,
      ],
      [
        'a mount kind the local runtime cannot make',
        {
          command: ['true', tag()],
          mounts: {
            '/data': { kind: 'collection', portable_data_hash: 'd41d8cd98f00b204e9800998ecf8427e+0' },
          },
        },
        /cannot start: mount \/data: kind "collection" is not supported/,
      ],
    ])('%s ends CANCELLED with the reason in the log', async (_name, input, reason) => {
      const cr = await createRequest(gw(), user.token, { ...input, containerCountMax: 1 });
      const final = await requestFinal(gw(), user.token, cr.uuid);
      const c = await containerReaches(gw(), cr.containerUuid, ['CANCELLED']);
      expect(c.log).toMatch(reason);
      expect(final.log).toBe(c.log);
      expect(c.runtimeStatus.error).toBe('Cannot start the command');
      expect(c.exitCode).toBeNull();
    });

    test('secret mounts are 0600 files while the command runs and gone after; tmp mounts are fresh directories', async () => {
      const secret = mountSecret('dispatch-');
      needles['secret mount content'] = secret;
      const go = path.join(scratch, `go-${tag()}`);
      const cr = await createRequest(gw(), user.token, {
        command: nodeCommand(`${WAIT_FOR_GO}; console.log(process.env.TMPDIR)`, tag()),
        environment: { GO: go },
        secretMounts: secretMounts(secret, '/secret/creds'),
        mounts: {
          '/tmp': { kind: 'tmp', capacity: 1000000 },
          '/etc/app.json': { kind: 'json', content: { a: 1 } },
        },
      });
      const root = path.join(dispatcher.dir, cr.containerUuid, 'root');
      const file = path.join(root, 'secret/creds');
      await waitFor('the command to run', async () =>
        (await containerReaches(gw(), cr.containerUuid, ['RUNNING'])).log?.includes('started'),
      );
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8')).toBe(secret);
      expect(fs.statSync(path.join(root, 'tmp')).isDirectory()).toBe(true);
      expect(JSON.parse(fs.readFileSync(path.join(root, 'etc/app.json'), 'utf8'))).toEqual({ a: 1 });

      fs.writeFileSync(go, '');
      const c = await containerReaches(gw(), cr.containerUuid, ['COMPLETE']);
      expect(c.log).toContain(`${path.join(root, 'tmp')}\n`); // TMPDIR is the tmp mount
      expect(fs.existsSync(file)).toBe(false);
      expect(fs.existsSync(path.join(root, 'tmp'))).toBe(false);
      expect(fs.existsSync(path.join(dispatcher.dir, cr.containerUuid, 'run.json'))).toBe(false);
      expect(found(c.log, needles)).toEqual([]);
    });

    test('a second identical request reuses the finished container: nothing runs again', async () => {
      const input = { command: ['true', tag()] };
      const first = await createRequest(gw(), user.token, input);
      await requestFinal(gw(), user.token, first.uuid);
      const lockedBefore = dispatcher.logs().filter((l) => l.msg === 'locked').length;
      const second = await createRequest(gw(), user.token, input);
      expect(second).toMatchObject({ state: 'FINAL', containerUuid: first.containerUuid });
      // Proof that the dispatcher saw the queue since: one more request of its own runs.
      const probe = await createRequest(gw(), user.token, { command: ['true', tag()] });
      await requestFinal(gw(), user.token, probe.uuid);
      const locked = dispatcher.logs().filter((l) => l.msg === 'locked');
      expect(locked.slice(lockedBefore).map((l: Data) => l.container)).toEqual([probe.containerUuid]);
    });

    test('once everything is final the database holds no runtime token and no secret mount content', async () => {
      const runner = await gw().newUser();
      const runtimeToken = (await issueToken(gw(), runner.token)).apiToken;
      Object.assign(needles, tokenNeedles('dump runtime token', runtimeToken));
      const secret = mountSecret('dump-');
      needles['dump secret mount'] = secret;
      const cr = await createRequest(gw(), user.token, {
        command: ['true', tag()],
        runtimeToken,
        secretMounts: secretMounts(secret, '/secret/x'),
      });
      await requestFinal(gw(), user.token, cr.uuid);
      const open = await gw().gql(`{ containers(filter: {state: QUEUED}) { totalCount } }`);
      expect(ok(open).containers.totalCount).toBe(0);
      const cells = (await dump(gw())).cells.filter((cell) => cell.table !== 'api_client_authorizations');
      const leaks = cells.flatMap((cell) =>
        found(cell.value, needles).map((n) => `${cell.table}.${cell.column} (${cell.id}): ${n}`),
      );
      expect(leaks).toEqual([]);
    });
  });
});
