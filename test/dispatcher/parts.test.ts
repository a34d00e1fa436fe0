// The dispatcher's own rules, tested directly: configuration, the budget, the log tail, the
// output manifest.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Budget, resourcesOf } from '../../src/dispatcher/budget.js';
import { DispatcherConfigError, loadDispatcherConfig } from '../../src/dispatcher/config.js';
import { LOG_LIMIT, LogTail } from '../../src/dispatcher/log-tail.js';
import { manifestOf, outputField } from '../../src/dispatcher/manifest.js';
import { REQUIRED_SCOPES } from '../../src/dispatcher/operations.js';

const TOKEN = 'v2/zzzzz-gj3su-0123456789abcde/s3cr3tsecretsecretsecretsecretsecret';

describe('dispatcher configuration', () => {
  test('defaults: the local gateway, ./dispatch, this host’s cpus and memory, a 10 s poll', () => {
    const c = loadDispatcherConfig({ DISPATCHER_TOKEN: TOKEN });
    expect(c).toEqual({
      gatewayUrl: 'http://localhost:8080/graphql',
      token: TOKEN,
      dispatchDir: path.resolve('dispatch'),
      vcpus: os.availableParallelism(),
      ram: os.totalmem(),
      pollSeconds: 10,
      killGraceSeconds: 10,
      logLevel: 'info',
    });
  });

  test('every variable is read; an empty one counts as unset', () => {
    const c = loadDispatcherConfig({
      DISPATCHER_TOKEN: TOKEN,
      GATEWAY_URL: 'https://gw.example:8443/graphql',
      DISPATCH_DIR: '/var/lib/dispatch',
      DISPATCH_VCPUS: '2',
      DISPATCH_RAM: '1073741824',
      POLL_SECONDS: '',
      KILL_GRACE_SECONDS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      gatewayUrl: 'https://gw.example:8443/graphql',
      dispatchDir: '/var/lib/dispatch',
      vcpus: 2,
      ram: 2 ** 30,
    });
    expect(c).toMatchObject({ pollSeconds: 10, killGraceSeconds: 0, logLevel: 'debug' });
  });

  test.each([
    [{}, 'Invalid configuration: DISPATCHER_TOKEN is required'],
    [
      { DISPATCHER_TOKEN: 'hunter2' },
      'Invalid configuration: DISPATCHER_TOKEN must be a v2 token (v2/<uuid>/<secret>)',
    ],
    [
      { DISPATCHER_TOKEN: TOKEN, GATEWAY_URL: 'ftp://x/graphql' },
      'Invalid configuration: GATEWAY_URL must be an http(s):// URL',
    ],
    [
      { DISPATCHER_TOKEN: TOKEN, DISPATCH_VCPUS: '0' },
      'Invalid configuration: DISPATCH_VCPUS must be a whole number from 1 to 1048576',
    ],
    [
      { DISPATCHER_TOKEN: TOKEN, DISPATCH_RAM: '1e9' },
      `Invalid configuration: DISPATCH_RAM must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    ],
    [
      { DISPATCHER_TOKEN: TOKEN, POLL_SECONDS: '0' },
      'Invalid configuration: POLL_SECONDS must be a whole number from 1 to 86400',
    ],
  ])('%j is refused with one line naming the variable', (env, message) => {
    let err: unknown;
    try {
      loadDispatcherConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DispatcherConfigError);
    expect((err as Error).message).toBe(message);
  });

  test('the README’s token recipe names exactly the scopes the dispatcher checks for', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const recipe = readme.slice(
      readme.indexOf('## Run your first container'),
      readme.indexOf('DISPATCHER_TOKEN='),
    );
    const named = [...recipe.matchAll(/\\"((?:query|mutation|subscription):\w+)\\"/g)].map((m) => m[1]);
    expect(named.sort()).toEqual([...REQUIRED_SCOPES].sort());
  });

  test('a bad token is never echoed', () => {
    expect(() => loadDispatcherConfig({ DISPATCHER_TOKEN: 'v2/not-a-uuid/verysecretvalue' })).toThrow(
      /^(?!.*verysecretvalue)/,
    );
  });
});

describe('the budget', () => {
  test('resources come from runtimeConstraints; 1 vcpu and 0 bytes when missing or invalid', () => {
    expect(resourcesOf({ vcpus: 2, ram: 512 })).toEqual({ vcpus: 2, ram: 512 });
    expect(resourcesOf(null)).toEqual({ vcpus: 1, ram: 0 });
    expect(resourcesOf({ vcpus: -1, ram: 'lots' })).toEqual({ vcpus: 1, ram: 0 });
  });

  test('never exceeded: take refuses what does not fit; give makes room again', () => {
    const b = new Budget({ vcpus: 2, ram: 1000 });
    b.take({ vcpus: 1, ram: 600 });
    expect(b.fitsNow({ vcpus: 1, ram: 400 })).toBe(true);
    expect(b.fitsNow({ vcpus: 1, ram: 401 })).toBe(false);
    expect(b.fitsNow({ vcpus: 2, ram: 1 })).toBe(false);
    expect(() => b.take({ vcpus: 2, ram: 1 })).toThrow('budget exceeded');
    b.take({ vcpus: 1, ram: 400 });
    expect(b.inUse()).toEqual({ vcpus: 2, ram: 1000 });
    b.give({ vcpus: 1, ram: 600 });
    expect(b.fitsNow({ vcpus: 1, ram: 600 })).toBe(true);
  });

  test('what could never fit is told apart from what does not fit now', () => {
    const b = new Budget({ vcpus: 2, ram: 1000 });
    b.take({ vcpus: 2, ram: 1000 });
    expect(b.fitsAtAll({ vcpus: 2, ram: 1000 })).toBe(true);
    expect(b.fitsAtAll({ vcpus: 3, ram: 1 })).toBe(false);
    expect(b.fitsAtAll({ vcpus: 1, ram: 1001 })).toBe(false);
  });
});

describe('the log tail', () => {
  test('keeps everything while it fits, and says when something new arrived', () => {
    const t = new LogTail();
    expect(t.changed).toBe(false);
    t.append('a\n');
    t.append('b\n');
    expect(t.changed).toBe(true);
    expect(t.text()).toBe('a\nb\n');
    expect(t.changed).toBe(false);
  });

  test('bounded to the gateway’s limit, keeping the end and saying how much was dropped', () => {
    const t = new LogTail();
    for (let i = 0; i < 10_000; i++) t.append(`line ${i}\n`);
    const text = t.text();
    expect(text.length).toBeLessThanOrEqual(LOG_LIMIT);
    expect(text.endsWith('line 9999\n')).toBe(true);
    const [first] = text.split('\n');
    expect(first).toMatch(/^\[… \d+ earlier characters dropped: the log keeps its last \d+\]$/);
  });

  test('never starts on half a surrogate pair (the gateway refuses unpaired ones)', () => {
    for (let shift = 0; shift < 4; shift++) {
      const t = new LogTail(200);
      t.append('x'.repeat(shift) + '😀'.repeat(200));
      const kept = t.text().split('\n')[1]!;
      expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(kept.endsWith('😀')).toBe(true);
    }
  });
});

describe('the output manifest', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sha = (b: string) => crypto.createHash('sha256').update(b).digest('hex');

  test('every regular file, sorted, with size and sha256; links and a missing directory are nothing', async () => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(path.join(out, 'b/c'), { recursive: true });
    fs.writeFileSync(path.join(out, 'z.txt'), 'zz');
    fs.writeFileSync(path.join(out, 'b/c/d.txt'), '');
    fs.writeFileSync(path.join(out, 'a.txt'), 'a');
    fs.symlinkSync('/etc/passwd', path.join(out, 'link'));
    expect(await manifestOf(out)).toEqual({
      files: [
        { path: 'a.txt', size: 1, sha256: sha('a') },
        { path: 'b/c/d.txt', size: 0, sha256: sha('') },
        { path: 'z.txt', size: 2, sha256: sha('zz') },
      ],
      fileCount: 3,
      totalBytes: 3,
    });
    expect(await manifestOf(path.join(dir, 'missing'))).toEqual({ files: [], fileCount: 0, totalBytes: 0 });
  });

  test('the output field fits the gateway’s 64 KiB: a long list is cut, with the totals kept', () => {
    const files = Array.from({ length: 2000 }, (_, i) => ({
      path: `file-${i}.txt`,
      size: i,
      sha256: sha(String(i)),
    }));
    const m = { files, fileCount: 2000, totalBytes: files.reduce((n, f) => n + f.size, 0) };
    const out = outputField(m);
    expect(out.length).toBeLessThanOrEqual(64 * 1024);
    const parsed = JSON.parse(out);
    expect(parsed).toMatchObject({ fileCount: 2000, totalBytes: m.totalBytes, truncated: true });
    expect(parsed.files.length).toBeGreaterThan(100);
    expect(parsed.files).toEqual(files.slice(0, parsed.files.length));
    const small = { files: files.slice(0, 3), fileCount: 3, totalBytes: 3 };
    expect(JSON.parse(outputField(small))).toEqual(small);
  });
});
