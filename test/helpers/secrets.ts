// Helpers for the runtime-token and secrecy tests: tokens made for the purpose, direct database
// reads (the API never shows a secret, so only the database can say where one is stored), and
// needle searches over response bodies, logs and dumps.
import crypto from 'node:crypto';
import type { TokenUserRow } from '../../src/domain/tokens.js';
import { isSealed } from '../../src/format/secret-box.js';
import { createRequest, lock, type RequestRow, updateContainer } from './api.js';
import { ok } from './assert.js';
import type { Data, TestGateway } from './gateway.js';
import { sql } from './sql.js';
import { bound, issueToken, secretOf } from './tokens.js';

/** A distinctive secret-mount content, so a search for it cannot match anything else. */
export function mountSecret(tag = ''): string {
  return `SECRET-MOUNT-CONTENT-${tag}${crypto.randomBytes(8).toString('hex')}`;
}

export function secretMounts(content: string, path = '/secret/creds'): Record<string, unknown> {
  return { [path]: { kind: 'text', content } };
}

/** Expires a token now, as if time had passed (the sweep is off in tests). */
export async function expireTokenNow(gw: TestGateway, uuid: string): Promise<void> {
  await sql(
    gw,
    `UPDATE api_client_authorizations SET expires_at = now() - interval '1 minute' WHERE uuid = $1`,
    uuid,
  );
}

/** A token's own columns, as authentication reads them (src/domain/tokens.ts). */
export type TokenRow = Pick<
  TokenUserRow,
  'uuid' | 'user_uuid' | 'secret_digest' | 'sealed_secret' | 'scopes' | 'expires_at'
>;

export async function tokenRow(gw: TestGateway, uuid: string): Promise<TokenRow | undefined> {
  return (
    await sql<TokenRow>(
      gw,
      `SELECT uuid, user_uuid, secret_digest, sealed_secret, scopes, expires_at FROM api_client_authorizations WHERE uuid = $1`,
      uuid,
    )
  )[0];
}

export interface SecretColumns {
  uuid: string;
  state: string;
  runtime_token: string | null;
  /** secret_mounts as text, exactly as stored. */
  secret_mounts: string;
  modified_at: Date;
}

/**
 * The secret columns as the gateway reads them (opened with its key), after checking that they
 * are stored sealed (README "Secrets at rest"): a secret in the clear fails the calling test.
 */
function opened<T extends SecretColumns>(gw: TestGateway, row: T): T {
  const box = gw.gateway.services.secrets;
  if (row.runtime_token !== null && !isSealed(row.runtime_token))
    throw new Error(`${row.uuid}: runtime_token is stored in the clear`);
  const mounts: unknown = JSON.parse(row.secret_mounts);
  if (!isSealed(mounts) && Object.keys(mounts as object).length > 0)
    throw new Error(`${row.uuid}: secret_mounts are stored in the clear`);
  return {
    ...row,
    runtime_token: box.openToken(row.runtime_token),
    secret_mounts: JSON.stringify(box.openMounts(mounts)),
  };
}

export async function requestRow(
  gw: TestGateway,
  uuid: string,
): Promise<SecretColumns & { container_uuid: string | null; container_count: number }> {
  const rows = await sql<SecretColumns & { container_uuid: string | null; container_count: number }>(
    gw,
    `SELECT uuid, state::text AS state, runtime_token, secret_mounts::text AS secret_mounts, modified_at, container_uuid, container_count
       FROM container_requests WHERE uuid = $1`,
    uuid,
  );
  if (!rows[0]) throw new Error(`no container request ${uuid}`);
  return opened(gw, rows[0]);
}

export async function containerRow(
  gw: TestGateway,
  uuid: string,
): Promise<
  SecretColumns & {
    runtime_token_uuid: string | null;
    secret_mounts_md5: string;
    auth_uuid: string | null;
    runtime_user_uuid: string;
    runtime_auth_scopes: string[];
  }
> {
  const rows = await sql<Data>(
    gw,
    `SELECT uuid, state::text AS state, runtime_token, runtime_token_uuid, secret_mounts::text AS secret_mounts, secret_mounts_md5,
            auth_uuid, runtime_user_uuid, runtime_auth_scopes, modified_at
       FROM containers WHERE uuid = $1`,
    uuid,
  );
  if (!rows[0]) throw new Error(`no container ${uuid}`);
  return opened(gw, rows[0]);
}

export async function count(
  gw: TestGateway,
  table: 'container_requests' | 'containers' | 'api_client_authorizations',
): Promise<number> {
  const [row] = await sql<{ n: number }>(gw, `SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

/** Which of the needles occur in the haystack (empty = none). Needles are named for messages. */
export function found(haystack: string, needles: Record<string, string>): string[] {
  return Object.entries(needles)
    .filter(([, v]) => v && haystack.includes(v))
    .map(([k]) => k);
}

/** The needles for a token: its full string and its secret alone. */
export function tokenNeedles(name: string, apiToken: string): Record<string, string> {
  return { [name]: apiToken, [`${name} (secret part)`]: secretOf(apiToken) };
}

/** Lock (as the dispatcher) and start a container; throws on any error. */
export async function lockAndRun(gw: TestGateway, dispatcher: string, containerUuid: string): Promise<void> {
  const l = await lock(gw, dispatcher, containerUuid);
  if (l.errors) throw new Error(`lock failed: ${l.body}`);
  const r = await updateContainer(gw, dispatcher, containerUuid, { state: 'RUNNING' });
  if (r.errors) throw new Error(`RUNNING failed: ${r.body}`);
}

/**
 * The live secrets of a lifecycle: a request made with a runtime token and secret mounts (of a
 * distinctive `content`), its container locked and RUNNING by an admin `dispatcher`.
 */
export async function runningWithSecrets(
  gw: TestGateway,
  tag: string,
): Promise<{
  owner: { uuid: string; token: string };
  dispatcher: string;
  runtimeToken: string;
  content: string;
  cr: RequestRow;
}> {
  const owner = await gw.newUser();
  const dispatcher = (await gw.newUser({ isAdmin: true })).token;
  const runtimeToken = (await issueToken(gw, owner.token)).apiToken;
  const content = mountSecret(`${tag}-`);
  const cr = await createRequest(gw, owner.token, {
    command: ['echo', tag],
    runtimeToken,
    secretMounts: secretMounts(content),
  });
  await lockAndRun(gw, dispatcher, cr.containerUuid);
  return { owner, dispatcher, runtimeToken, content, cr };
}

/** The container's secret mounts as the container reads them (its runtime token, container-bound). */
export async function containerSecretMounts(
  gw: TestGateway,
  runtimeToken: string,
  containerUuid: string,
): Promise<unknown> {
  const r = await gw.gql(
    'query($u: ID!) { containerSecretMounts(uuid: $u) }',
    { u: containerUuid },
    bound(runtimeToken, containerUuid),
  );
  return ok(r).containerSecretMounts;
}

export interface Cell {
  table: string;
  column: string;
  id: string | null;
  value: string;
}

/** Every non-null text-like cell of every table: text, varchar, char, json, jsonb and arrays. */
export async function dump(gw: TestGateway): Promise<{ cells: Cell[]; columns: string[] }> {
  const columns = await sql<{ table_schema: string; table_name: string; column_name: string }>(
    gw,
    `SELECT c.table_schema, c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY'))
      ORDER BY 1, 2, 3`,
  );
  const cells: Cell[] = [];
  for (const c of columns) {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const rows = await sql<{ id: string | null; value: string }>(
      gw,
      `SELECT to_jsonb(t) ->> 'uuid' AS id, t.${q(c.column_name)}::text AS value FROM ${q(c.table_schema)}.${q(c.table_name)} t WHERE t.${q(c.column_name)} IS NOT NULL`,
    );
    for (const r of rows)
      cells.push({ table: c.table_name, column: c.column_name, id: r.id, value: r.value });
  }
  return { cells, columns: columns.map((c) => `${c.table_name}.${c.column_name}`) };
}
