// The README's example operations, typed by @graphql-codegen/cli (typescript-operations)
// against schema.graphql, as a client project would: the typed constraints and mounts come
// out as real types, the JSON fields as `unknown`, and the generated code type-checks.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The ```graphql blocks of the README's Clients section. */
function readmeOperations(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Clients'),
    readme.indexOf('\n## ', readme.indexOf('\n## Clients') + 1),
  );
  return [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
}

test("codegen types the README's operations: constraints and mounts are real types", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-codegen-'));
  try {
    const operations = readmeOperations();
    expect(operations).toContain('runtimeConstraintsTyped');
    fs.writeFileSync(path.join(dir, 'operations.graphql'), operations);
    const out = path.join(dir, 'types.ts');
    // The CLI, as a client project runs it (a child process: its plugins are ES modules).
    fs.writeFileSync(
      path.join(dir, 'codegen.json'),
      JSON.stringify({
        schema: path.join(ROOT, 'schema.graphql'),
        documents: path.join(dir, 'operations.graphql'),
        generates: {
          [out]: {
            plugins: ['typescript-operations'],
            config: { scalars: { BigInt: 'string', DateTime: 'string', JSON: 'unknown' } },
          },
        },
      }),
    );
    await run(path.join(ROOT, 'node_modules/.bin/graphql-codegen'), [
      '--config',
      path.join(dir, 'codegen.json'),
    ]);
    const code = fs.readFileSync(out, 'utf8');
    const constraints = /runtimeConstraintsTyped: \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(constraints).toMatch(/vcpus\??: number \| null/);
    expect(constraints).toMatch(/ram\??: string \| null/);
    expect(constraints).not.toContain('unknown');
    const mounts = /mountsTyped: Array<\{([^}]*)\}>/.exec(code)?.[1] ?? '';
    expect(mounts).toMatch(/mountPoint: string/);
    expect(mounts).not.toContain('unknown');
    for (const name of [
      'RequestListQuery',
      'RequestDetailQuery',
      'SubmitRequestMutation',
      'FollowRequestSubscription',
    ])
      expect(code).toContain(`export type ${name} =`);

    // The generated module compiles on its own.
    const program = ts.createProgram([out], { strict: true, noEmit: true, skipLibCheck: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
