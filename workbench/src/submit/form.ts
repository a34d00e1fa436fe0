// The submit form's values, their checks before sending, and the input they become. The
// gateway checks everything again: its BAD_USER_INPUT errors name the input field at fault
// (`extensions.field`), which fieldOfError maps back to the form field that shows it.
import type { CreateContainerRequestInput } from '../gql/graphql';

export interface FormValues {
  name: string;
  /** One argument per line. */
  command: string;
  containerImage: string;
  cwd: string;
  outputPath: string;
  /** NAME=value, one per line. */
  environment: string;
  vcpus: string;
  /** In MiB. */
  ramMiB: string;
  priority: string;
  useExisting: boolean;
  /** Write-only: sent once, then cleared from the form. */
  runtimeToken: string;
}

export type FieldName = Exclude<keyof FormValues, 'useExisting'> | 'useExisting' | 'resources';
export type FieldErrors = Partial<Record<FieldName, string>>;

export const EMPTY_FORM: FormValues = {
  name: '',
  command: '',
  containerImage: '',
  cwd: '',
  outputPath: '/out',
  environment: '',
  vcpus: '1',
  ramMiB: '256',
  priority: '1',
  useExisting: true,
  runtimeToken: '',
};

const MiB = 1024 * 1024;
// The gateway's bounds (docs/design.md §3): vcpus 1..1024, ram 1..2^50 bytes.
const MAX_VCPUS = 1024;
const MAX_RAM_MIB = 2 ** 50 / MiB;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');

/** The NAME=value lines as an object, or the first bad line. */
export function parseEnvironment(text: string): Record<string, string> | { bad: string } {
  const env: Record<string, string> = {};
  for (const line of lines(text)) {
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !ENV_NAME.test(name)) return { bad: line };
    env[name] = line.slice(eq + 1);
  }
  return env;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** What must hold before sending; `commit` adds what committing needs (the gateway's rules). */
export function validate(v: FormValues, commit: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (lines(v.command).length === 0) errors.command = 'Give the command: one argument per line.';
  if (!v.containerImage.trim()) errors.containerImage = 'Give the image the command runs in.';
  if (!v.outputPath.trim()) errors.outputPath = 'Give the directory whose content becomes the output.';
  const env = parseEnvironment(v.environment);
  if ('bad' in env) errors.environment = `Not a NAME=value line: "${env.bad}".`;
  const vcpus = wholeNumber(v.vcpus);
  if (v.vcpus.trim() && (vcpus === null || vcpus < 1 || vcpus > MAX_VCPUS))
    errors.vcpus = `vCPUs: a whole number from 1 to ${MAX_VCPUS}.`;
  else if (commit && !v.vcpus.trim()) errors.vcpus = 'vCPUs are needed to submit.';
  const ram = wholeNumber(v.ramMiB);
  if (v.ramMiB.trim() && (ram === null || ram < 1 || ram > MAX_RAM_MIB))
    errors.ramMiB = `RAM: a whole number of MiB from 1 to ${MAX_RAM_MIB.toLocaleString('en')} (1 PiB).`;
  else if (commit && !v.ramMiB.trim()) errors.ramMiB = 'RAM is needed to submit.';
  const priority = wholeNumber(v.priority);
  if (v.priority.trim() && (priority === null || priority > 1000))
    errors.priority = 'Priority: a whole number from 0 to 1000.';
  else if (commit && !v.priority.trim()) errors.priority = 'A priority (1 to 1000) is needed to submit.';
  else if (commit && priority === 0) errors.priority = 'Priority 0 would not run: give 1 to 1000.';
  if (v.runtimeToken && !/^v2\/[^/\s]+\/[^/\s]+$/.test(v.runtimeToken.trim()))
    errors.runtimeToken = 'A runtime token is a v2 token: v2/<uuid>/<secret>.';
  return errors;
}

/** The mutation's input (call after validate found nothing). */
export function toInput(v: FormValues, commit: boolean): CreateContainerRequestInput {
  const env = parseEnvironment(v.environment);
  const constraints: Record<string, number> = {};
  if (v.vcpus.trim()) constraints.vcpus = Number(v.vcpus.trim());
  if (v.ramMiB.trim()) constraints.ram = Number(v.ramMiB.trim()) * MiB;
  return {
    state: commit ? 'COMMITTED' : 'UNCOMMITTED',
    command: lines(v.command),
    containerImage: v.containerImage.trim(),
    outputPath: v.outputPath.trim(),
    useExisting: v.useExisting,
    runtimeConstraints: constraints,
    ...(v.name.trim() ? { name: v.name.trim() } : {}),
    ...(v.cwd.trim() ? { cwd: v.cwd.trim() } : {}),
    ...('bad' in env || Object.keys(env).length === 0 ? {} : { environment: env }),
    ...(v.priority.trim() ? { priority: Number(v.priority.trim()) } : {}),
    ...(v.runtimeToken.trim() ? { runtimeToken: v.runtimeToken.trim() } : {}),
  };
}

/** The form field that shows an error about the gateway's input field `field`. */
export function fieldOfError(field: string | undefined): FieldName | null {
  switch (field) {
    case 'name':
    case 'command':
    case 'containerImage':
    case 'cwd':
    case 'outputPath':
    case 'environment':
    case 'priority':
    case 'useExisting':
    case 'runtimeToken':
      return field;
    case 'runtimeConstraints':
      return 'resources';
    default:
      return null;
  }
}
