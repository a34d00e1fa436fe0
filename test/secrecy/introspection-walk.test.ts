// Secrecy (b): walk the whole served schema. Every query the walk can build (every field,
// nested two levels, every connection's nodes and edges), for every object made here, is run as
// the owner, another user, an admin, the dispatcher holding the locks, the runtime token's own
// user and the containers' own tokens, on objects that hold runtime tokens and secret mounts in
// every state; then both subscriptions over SSE across a whole lifecycle with a retry. No response
// byte may contain a runtime token, its secret, a secret mount's content or any token secret,
// except what design.md §10 hands out: containerAuth's apiToken to the lock holder and the secret mounts
// to the container's own token.
import { getIntrospectionQuery, type IntrospectionObjectType, type IntrospectionQuery } from 'graphql';
import { containerAuth, createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';
import { found, lockAndRun, mountSecret, secretMounts, tokenNeedles } from '../helpers/secrets.js';
import { bound, issueToken } from '../helpers/tokens.js';
import { buildWalk, selectionOf } from './walker.js';

interface Caller {
  name: string;
  token: string;
}

/** What a caller may legitimately read through one operation (needle names), if anything. */
type Allowance = (caller: string, field: string, args: Record<string, string>) => string[];

describeBackends(
  'secrecy: the introspection walk',
  (gw) => {
    const needles: Record<string, string> = {};
    const callers: Caller[] = [];
    const uuids = new Set<string>();
    let allowance: Allowance = () => [];
    /** Responses where an allowed secret must appear (so the walk is not vacuous). */
    const mustShow: { caller: string; field: string; arg: string; needle: string }[] = [];

    let owner: { uuid: string; token: string };
    let other: { uuid: string; token: string };
    let admin: { uuid: string; token: string };
    let dispatcher: { uuid: string; token: string };
    let runner: { uuid: string; token: string };

    function addToken(name: string, apiToken: string, uuid?: string) {
      Object.assign(needles, tokenNeedles(name, apiToken));
      uuids.add(uuid ?? apiToken.split('/')[1]!);
    }

    /** A request with its own runtime token (of `tokenOf`) and secret mounts. */
    async function submit(
      name: string,
      tokenOf: { token: string },
      state: 'UNCOMMITTED' | 'COMMITTED' = 'COMMITTED',
      withRuntimeToken = true,
    ) {
      const rt = withRuntimeToken ? await issueToken(gw(), tokenOf.token) : null;
      const content = mountSecret(`${name}-`);
      const cr = await createRequest(gw(), owner.token, {
        name,
        command: ['echo', name],
        state,
        secretMounts: secretMounts(content),
        ...(rt ? { runtimeToken: rt.apiToken } : {}),
      });
      if (rt) addToken(`runtime token ${name}`, rt.apiToken, rt.uuid);
      needles[`secret mount ${name}`] = content;
      uuids.add(cr.uuid);
      if (cr.containerUuid) uuids.add(cr.containerUuid);
      return { rt, content, cr, containerUuid: cr.containerUuid as string | null };
    }

    beforeAll(async () => {
      owner = await gw().newUser();
      other = await gw().newUser();
      admin = await gw().newUser({ isAdmin: true });
      dispatcher = await gw().newUser({ isAdmin: true });
      runner = await gw().newUser();
      addToken('root token', gw().rootToken);
      for (const [name, u] of Object.entries({ owner, other, admin, dispatcher, runner })) {
        addToken(`${name}'s token`, u.token);
        uuids.add(u.uuid);
        callers.push({ name, token: u.token });
      }
      uuids.add('zzzzz-tpzed-000000000000000');

      await submit('uncommitted', owner, 'UNCOMMITTED');
      await submit('queued', runner);
      const locked = await submit('locked', owner);
      expect((await lock(gw(), dispatcher.token, locked.containerUuid!)).errors).toBeUndefined();
      const running = await submit('running', runner);
      await lockAndRun(gw(), dispatcher.token, running.containerUuid!);
      const generated = await submit('generated', owner, 'COMMITTED', false);
      await lockAndRun(gw(), dispatcher.token, generated.containerUuid!);
      const auth = await containerAuth(gw(), dispatcher.token, generated.containerUuid!);
      const generatedToken = auth.data.containerAuth.apiToken as string;
      addToken('generated container token', generatedToken);
      const done = await submit('complete', owner);
      await lockAndRun(gw(), dispatcher.token, done.containerUuid!);
      expect(
        (
          await updateContainer(gw(), dispatcher.token, done.containerUuid!, {
            state: 'COMPLETE',
            exitCode: 0,
          })
        ).errors,
      ).toBeUndefined();

      const runningBound = bound(running.rt!.apiToken, running.containerUuid!);
      callers.push(
        { name: 'running container (bound runtime token)', token: runningBound },
        { name: 'running container (plain runtime token)', token: running.rt!.apiToken },
        { name: 'generated container token', token: generatedToken },
      );

      const authOf: Record<string, string> = {
        [locked.containerUuid!]: 'runtime token locked',
        [running.containerUuid!]: 'runtime token running',
        [generated.containerUuid!]: 'generated container token',
      };
      const mountsOf: Record<string, Record<string, string>> = {
        'running container (bound runtime token)': { [running.containerUuid!]: 'secret mount running' },
        'generated container token': { [generated.containerUuid!]: 'secret mount generated' },
      };
      allowance = (caller, field, args) => {
        const uuid = args.uuid ?? '';
        if (field === 'containerAuth' && caller === 'dispatcher' && authOf[uuid]) {
          return [authOf[uuid]!, `${authOf[uuid]!} (secret part)`];
        }
        if (field === 'containerSecretMounts' && mountsOf[caller]?.[uuid]) return [mountsOf[caller]![uuid]!];
        return [];
      };
      for (const [uuid, name] of Object.entries(authOf))
        mustShow.push({ caller: 'dispatcher', field: 'containerAuth', arg: uuid, needle: name });
      for (const [caller, m] of Object.entries(mountsOf)) {
        for (const [uuid, name] of Object.entries(m))
          mustShow.push({ caller, field: 'containerSecretMounts', arg: uuid, needle: name });
      }
    });

    test('every query, as every caller, on every object: no secret but the allowed ones', async () => {
      const intro = await gw().gql<IntrospectionQuery>(getIntrospectionQuery(), {}, null);
      const { operations, skipped } = buildWalk(intro.data!, [...uuids]);
      expect(skipped).toEqual([]);
      const queries = operations.filter((o) => o.root === 'query');
      // Every Query field is walked.
      const queryType = intro.data!.__schema.types.find((t) => t.name === 'Query') as IntrospectionObjectType;
      expect(new Set(queries.map((o) => o.field))).toEqual(new Set(queryType.fields.map((f) => f.name)));

      const leaks: string[] = [];
      const unexpected: string[] = [];
      let withData = 0;
      const shown = new Set<string>();
      const runs = callers.flatMap((caller) => queries.map((op) => ({ caller, op })));
      // A few at a time: the answers do not depend on each other, and the walk is long.
      for (let i = 0; i < runs.length; i += 8) {
        await Promise.all(
          runs.slice(i, i + 8).map(async ({ caller, op }) => {
            const r = await gw().gql(op.query, op.variables, caller.token);
            if (r.status !== 200 || r.body.includes('INTERNAL_SERVER_ERROR'))
              unexpected.push(
                `${caller.name} ${op.field}(${JSON.stringify(op.args)}): HTTP ${r.status} ${r.body.slice(0, 200)}`,
              );
            const allowed = allowance(caller.name, op.field, op.args);
            const hits = found(r.body, needles).filter((n) => !allowed.includes(n));
            if (hits.length)
              leaks.push(`${caller.name} ${op.field}(${JSON.stringify(op.args)}): ${hits.join(', ')}`);
            if (r.data && r.data[op.field] != null) withData++;
            for (const n of allowed)
              if (r.body.includes(needles[n]!)) shown.add(`${caller.name} ${op.field} ${op.args.uuid} ${n}`);
          }),
        );
      }
      expect(leaks).toEqual([]);
      expect(unexpected).toEqual([]);
      // Not vacuous: plenty of answers had data, and each allowed secret was handed out where due.
      expect(withData).toBeGreaterThan(callers.length * 5);
      for (const m of mustShow) expect(shown).toContain(`${m.caller} ${m.field} ${m.arg} ${m.needle}`);
      // The walk is well over a thousand queries: on a busy 2-core machine it outgrows the default.
    }, 240_000);

    test('subscriptions over SSE across a whole lifecycle with a retry carry no secret', async () => {
      const url = gw().gateway.url ?? (await gw().gateway.listen(0, '127.0.0.1'));
      const intro = await gw().gql<IntrospectionQuery>(getIntrospectionQuery(), {}, null);
      const { schema } = buildWalk(intro.data!, []);
      const sel = (type: string) => selectionOf(schema, schema.getType(type)!, 0, 2);
      const streams: {
        name: string;
        text: string;
        ready: Promise<void>;
        done: Promise<void>;
        abort: AbortController;
      }[] = [];

      /**
       * Opens an SSE subscription. `ready` settles once the server has answered with the stream's
       * first bytes, i.e. the subscription is registered: later changes cannot be missed.
       */
      function subscribe(
        name: string,
        token: string,
        field: 'containerUpdated' | 'containerRequestUpdated' | 'containerQueueUpdated',
        uuid?: string,
      ) {
        const abort = new AbortController();
        const type = field === 'containerRequestUpdated' ? 'ContainerRequest' : 'Container';
        let markReady = () => {};
        const ready = new Promise<void>((r) => (markReady = r));
        const s = {
          name: `${name} ${field}(${uuid ?? ''})`,
          text: '',
          abort,
          ready,
          done: Promise.resolve(),
        };
        s.done = (async () => {
          try {
            const res = await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'text/event-stream',
                authorization: `Bearer ${token}`,
              },
              body: JSON.stringify(
                uuid
                  ? {
                      query: `subscription S($u: ID!) { ${field}(uuid: $u) { ${sel(type)} } }`,
                      variables: { u: uuid },
                    }
                  : { query: `subscription S { ${field} { ${sel(type)} } }` },
              ),
              signal: abort.signal,
            });
            const reader = res.body!.getReader();
            const dec = new TextDecoder();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              s.text += dec.decode(value, { stream: true });
              markReady();
            }
          } catch (err) {
            if ((err as Error).name !== 'AbortError') s.text += `\nCLIENT ERROR ${(err as Error).message}`;
          } finally {
            markReady();
          }
        })();
        streams.push(s);
        return s;
      }
      const subscribers: Caller[] = [
        { name: 'owner', token: owner.token },
        { name: 'other', token: other.token },
        { name: 'admin', token: admin.token },
        { name: 'dispatcher', token: dispatcher.token },
      ];
      const mutationLeaks: string[] = [];
      const check = (what: string, r: { body: string; errors?: unknown }, allowed: string[] = []) => {
        expect([what, r.errors]).toEqual([what, undefined]);
        const hits = found(r.body, needles).filter((n) => !allowed.includes(n));
        if (hits.length) mutationLeaks.push(`${what}: ${hits.join(', ')}`);
      };

      const rt = await issueToken(gw(), owner.token);
      addToken('subscription runtime token', rt.apiToken);
      const content = mountSecret('subscription-');
      needles['subscription secret mount'] = content;
      const cr = await createRequest(gw(), owner.token, {
        command: ['echo', 'subscribed'],
        state: 'UNCOMMITTED',
        runtimeToken: rt.apiToken,
        secretMounts: secretMounts(content),
      });
      const crStreams = subscribers.map((s) =>
        subscribe(s.name, s.token, 'containerRequestUpdated', cr.uuid),
      );
      // The dispatcher's stream: queued work, and the containers the caller's token holds.
      const queueStreams = subscribers.map((s) => subscribe(s.name, s.token, 'containerQueueUpdated'));
      const started = async (ss: typeof streams) => {
        await Promise.all(ss.map((x) => x.ready));
        await new Promise((r) => setTimeout(r, 50));
      };
      await started([...crStreams, ...queueStreams]);

      const commit = await updateRequest(gw(), owner.token, cr.uuid, {
        state: 'COMMITTED',
        name: 'committed',
      });
      check('commit', commit);
      const c1 = commit.data.updateContainerRequest.containerUuid as string;
      const c1Streams = subscribers.map((s) => subscribe(s.name, s.token, 'containerUpdated', c1));
      await started(c1Streams);

      const allowedRt = ['subscription runtime token', 'subscription runtime token (secret part)'];
      // A stream re-reads its object when told it changed, so a change made right after another
      // may show it only the later state: RUNNING must reach the streams that may see it before
      // the container moves on (its next updates come back to back, no token read between them).
      const reached = async (ss: typeof streams, state: string) => {
        const seeing = ss.filter((st) => !st.name.startsWith('other '));
        for (let i = 0; i < 200 && !seeing.every((st) => st.text.includes(`"state":"${state}"`)); i++)
          await new Promise((r) => setTimeout(r, 25));
      };
      check('lock 1', await lock(gw(), dispatcher.token, c1));
      check('containerAuth 1', await containerAuth(gw(), dispatcher.token, c1), allowedRt);
      check('running 1', await updateContainer(gw(), dispatcher.token, c1, { state: 'RUNNING' }));
      await reached([...crStreams, ...c1Streams], 'RUNNING');
      check(
        'self-update 1',
        await updateContainer(gw(), bound(rt.apiToken, c1), c1, {
          progress: 0.3,
          runtimeStatus: { step: 1 },
        }),
      );
      check('cancel 1', await updateContainer(gw(), dispatcher.token, c1, { state: 'CANCELLED' }));

      const after = await gw().gql(
        'query($u: ID!) { containerRequest(uuid: $u) { containerUuid } }',
        { u: cr.uuid },
        owner.token,
      );
      const c2 = after.data.containerRequest.containerUuid as string;
      expect(c2).not.toBe(c1);
      const c2Streams = subscribers.map((s) => subscribe(s.name, s.token, 'containerUpdated', c2));
      await started(c2Streams);
      check('lock 2', await lock(gw(), dispatcher.token, c2));
      check('containerAuth 2', await containerAuth(gw(), dispatcher.token, c2), allowedRt);
      check('running 2', await updateContainer(gw(), dispatcher.token, c2, { state: 'RUNNING' }));
      await reached(c2Streams, 'RUNNING');
      check('self-update 2', await updateContainer(gw(), rt.apiToken, c2, { progress: 0.9, output: 'out' }));
      check(
        'complete 2',
        await updateContainer(gw(), bound(rt.apiToken, c2), c2, { state: 'COMPLETE', exitCode: 0 }),
      );
      check('rename final', await updateRequest(gw(), owner.token, cr.uuid, { name: 'final' }));

      // Not vacuous: those who may see get events of every state; the other user gets NOT_FOUND.
      // After the retry no request of the owner points at the first container: it is no longer
      // theirs to see (design.md §5 visibility), so its CANCELLED event goes to admins only.
      const missing = () =>
        subscribers.flatMap((s, i) => {
          if (s.name === 'other') {
            const none = queueStreams[i]!.text.includes('"uuid"')
              ? [`${queueStreams[i]!.name}: an event`]
              : [];
            return [crStreams[i]!, c1Streams[i]!, c2Streams[i]!]
              .filter((st) => !st.text.includes('NOT_FOUND') || st.text.includes('"uuid"'))
              .map((st) => `${st.name}: NOT_FOUND`)
              .concat(none);
          }
          const want: [(typeof streams)[number], string][] = [
            // A request's stream completes with the event that shows it FINAL (the rename after it
            // is not sent); it starts with the current state, UNCOMMITTED.
            ...['UNCOMMITTED', 'COMMITTED', 'RUNNING', 'FINAL'].map(
              (x) => [crStreams[i]!, x] as [(typeof streams)[number], string],
            ),
            ...(s.name === 'owner' ? ['LOCKED', 'RUNNING'] : ['LOCKED', 'RUNNING', 'CANCELLED']).map(
              (x) => [c1Streams[i]!, x] as [(typeof streams)[number], string],
            ),
            ...['LOCKED', 'RUNNING', 'COMPLETE'].map(
              (x) => [c2Streams[i]!, x] as [(typeof streams)[number], string],
            ),
            // Queued work reaches whoever may see it; the lock holder hears its containers to the end.
            ...(s.name === 'dispatcher'
              ? ['QUEUED', 'LOCKED', 'RUNNING', 'CANCELLED', 'COMPLETE']
              : ['QUEUED']
            ).map((x) => [queueStreams[i]!, x] as [(typeof streams)[number], string]),
          ];
          return want
            .filter(([st, x]) => !st.text.includes(x.startsWith('"') ? x : `"state":"${x}"`))
            .map(([st, x]) => `${st.name}: ${x}`);
        });
      for (let i = 0; i < 200 && missing().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      for (const s of streams) s.abort.abort();
      await Promise.all(streams.map((s) => s.done));
      expect(missing()).toEqual([]);

      expect(mutationLeaks).toEqual([]);
      const leaks = streams.flatMap((s) => found(s.text, needles).map((n) => `${s.name}: ${n}`));
      expect(leaks).toEqual([]);
    });

    test('the server logs carry no secret', () => {
      expect(found(gw().logs.join('\n'), needles)).toEqual([]);
    });
  },
  // Every field of every type, nested: far more than the cost budget lets a client ask at once.
  { MAX_QUERY_COST: '10000000' },
);
