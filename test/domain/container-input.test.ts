import { type UpdateContainerInput, validateContainerUpdate } from '../../src/domain/container-input.js';
import { rejection } from '../helpers/assert.js';

describe('a container update: explicit null only where the column may be null', () => {
  test.each(['state', 'priority'] as const)('%s: null is refused, naming it', (field) => {
    expect(rejection(() => validateContainerUpdate({ [field]: null, progress: 0.5 }))).toEqual({
      code: 'BAD_USER_INPUT',
      field,
      message: `${field} cannot be null (leave it out to keep it as it is)`,
    });
  });

  test('progress, log, output and exitCode may be cleared; runtimeStatus null is {}', () => {
    expect(
      validateContainerUpdate({
        progress: null,
        log: null,
        output: null,
        exitCode: null,
        runtimeStatus: null,
      }),
    ).toEqual({ progress: null, log: null, output: null, exitCode: null, runtimeStatus: {} });
  });

  test('omitted fields are not written', () => {
    const input: UpdateContainerInput = { state: 'RUNNING', priority: undefined };
    expect(validateContainerUpdate(input)).toEqual({ state: 'RUNNING' });
  });

  test('priority below 0 is refused', () => {
    expect(rejection(() => validateContainerUpdate({ priority: -1n })).field).toBe('priority');
  });
});
