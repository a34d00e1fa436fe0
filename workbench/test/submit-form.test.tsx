// The submit form: its own checks put each error on the field at fault (announced, described,
// focused) and send nothing; the gateway's BAD_USER_INPUT lands on the field its
// extensions.field names; the runtime token leaves the form once sent and stays out of the
// cache; a good submit sends the input the gateway expects.
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test } from 'vitest';
import { SubmitPage } from '../src/pages/submit';
import { EMPTY_FORM, parseEnvironment, validate } from '../src/submit/form';
import { renderPage } from './render';

afterEach(cleanup);

const TOKEN = 'v2/zzzzz-gj3su-0123456789abcde/s3cr3tvalueforthetest';

/** The error text the field's aria-describedby points at. */
function errorOf(field: HTMLElement): string {
  const ids = field.getAttribute('aria-describedby')?.split(' ') ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
}

async function fillValid(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('Name'), 'job');
  await user.type(screen.getByLabelText('Command'), 'echo{Enter}hello world');
  await user.type(screen.getByLabelText('Container image'), 'debian:12');
}

describe('checks before sending', () => {
  test('empty: errors on command and image, the first focused, nothing sent', async () => {
    const user = userEvent.setup();
    const { sent } = renderPage(<SubmitPage />);
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    const command = screen.getByLabelText('Command');
    expect(command.getAttribute('aria-invalid')).toBe('true');
    expect(errorOf(command)).toContain('Give the command');
    expect(errorOf(screen.getByLabelText('Container image'))).toContain('Give the image');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(command));
    expect(sent).toEqual([]);
  });

  test('a bad environment line, a priority out of range, a malformed runtime token', async () => {
    const user = userEvent.setup();
    const { sent } = renderPage(<SubmitPage />);
    await fillValid(user);
    await user.type(screen.getByLabelText('Environment'), 'GOOD=1{Enter}not a pair');
    const priority = screen.getByLabelText('Priority');
    await user.clear(priority);
    await user.type(priority, '1001');
    await user.type(screen.getByLabelText('Runtime token (optional)'), 'not-a-token');
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect(errorOf(screen.getByLabelText('Environment'))).toContain('Not a NAME=value line: "not a pair"');
    expect(errorOf(priority)).toContain('from 0 to 1000');
    expect(errorOf(screen.getByLabelText('Runtime token (optional)'))).toContain('v2/<uuid>/<secret>');
    expect(screen.getByLabelText('Command').getAttribute('aria-invalid')).toBeNull();
    expect(sent).toEqual([]);
  });

  test('a draft needs no priority; a commit does, and not 0', () => {
    const v = { ...EMPTY_FORM, command: 'true', containerImage: 'img', priority: '' };
    expect(validate(v, false)).toEqual({});
    expect(validate(v, true)).toHaveProperty('priority');
    expect(validate({ ...v, priority: '0' }, true).priority).toContain('would not run');
    expect(parseEnvironment('A=1\nB==2\n\n')).toEqual({ A: '1', B: '=2' });
  });

  test("vCPUs and RAM within the gateway's bounds (1..1024 vCPUs, at most 2^50 bytes)", () => {
    const v = { ...EMPTY_FORM, command: 'true', containerImage: 'img' };
    expect(validate({ ...v, vcpus: '1024', ramMiB: String(2 ** 30) }, true)).toEqual({});
    expect(validate({ ...v, vcpus: '1025' }, true).vcpus).toContain('from 1 to 1024');
    expect(validate({ ...v, vcpus: '1e308' }, true).vcpus).toContain('from 1 to 1024');
    expect(validate({ ...v, ramMiB: String(2 ** 30 + 1) }, true).ramMiB).toContain('1 PiB');
  });
});

describe('sending', () => {
  test("the gateway's BAD_USER_INPUT goes on the field it names; the token is cleared", async () => {
    const user = userEvent.setup();
    const { sent } = renderPage(<SubmitPage />, () => ({
      data: null,
      errors: [
        {
          message: 'runtimeToken is not a valid token',
          extensions: { code: 'BAD_USER_INPUT', field: 'runtimeToken' },
        },
      ],
    }));
    await fillValid(user);
    const token = screen.getByLabelText('Runtime token (optional)') as HTMLInputElement;
    expect(token.type).toBe('password');
    await user.type(token, TOKEN);
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    await waitFor(() => expect(token.getAttribute('aria-invalid')).toBe('true'));
    expect(errorOf(token)).toContain('runtimeToken is not a valid token');
    expect(token.value).toBe('');
    expect(sent).toHaveLength(1);
    expect(document.body.innerHTML).not.toContain('s3cr3tvalueforthetest');
  });

  test('runtimeConstraints errors show on the Resources group', async () => {
    const user = userEvent.setup();
    renderPage(<SubmitPage />, () => ({
      data: null,
      errors: [
        { message: 'vcpus too many', extensions: { code: 'BAD_USER_INPUT', field: 'runtimeConstraints' } },
      ],
    }));
    await fillValid(user);
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    const group = await screen.findByRole('group', { name: 'Resources' });
    await waitFor(() => expect(group.textContent).toContain('vcpus too many'));
  });

  test('a good submit: the input as the gateway expects it, then the request page; no token cached', async () => {
    const user = userEvent.setup();
    const { sent, client, location } = renderPage(<SubmitPage />, (op) => ({
      data: {
        createContainerRequest: {
          __typename: 'ContainerRequest',
          id: 'zzzzz-xvhdp-000000000000001',
          uuid: 'zzzzz-xvhdp-000000000000001',
          name: 'job',
          state: op.variables.input.state,
          priority: 1,
          createdAt: '2026-11-30T00:00:00.000Z',
          container: null,
        },
      },
    }));
    await fillValid(user);
    await user.type(screen.getByLabelText('Environment'), 'A=1');
    const ram = screen.getByLabelText('RAM (MiB)');
    await user.clear(ram);
    await user.type(ram, '512');
    await user.click(screen.getByLabelText('Reuse an identical container if there is one'));
    await user.type(screen.getByLabelText('Runtime token (optional)'), TOKEN);
    await user.click(screen.getByRole('button', { name: 'Save as draft' }));
    await waitFor(() => expect(location.history.at(-1)).toBe('/requests/zzzzz-xvhdp-000000000000001'));
    expect(sent[0]!.variables.input).toEqual({
      state: 'UNCOMMITTED',
      name: 'job',
      command: ['echo', 'hello world'],
      containerImage: 'debian:12',
      outputPath: '/out',
      environment: { A: '1' },
      runtimeConstraints: { vcpus: 1, ram: 512 * 1024 * 1024 },
      priority: 1,
      useExisting: false,
      runtimeToken: TOKEN,
    });
    expect(JSON.stringify(client.cache.extract())).not.toContain('s3cr3tvalueforthetest');
  });
});
