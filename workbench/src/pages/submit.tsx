// Submit a container request: save it as a draft (UNCOMMITTED) or submit it to run
// (COMMITTED). Errors show on the field they are about, whether found here or by the gateway
// (its BAD_USER_INPUT names the input field). The runtime token is a password field whose
// value leaves the form as soon as it is sent: it is never shown again nor kept anywhere.
import { CombinedGraphQLErrors } from '@apollo/client';
import { useMutation } from '@apollo/client/react';
import { type FormEvent, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { addToRequestLists } from '../cache-updates';
import { Field } from '../components/field';
import { SubmitRequest } from '../operations';
import {
  EMPTY_FORM,
  type FieldErrors,
  type FormValues,
  fieldOfError,
  toInput,
  validate,
} from '../submit/form';

export function SubmitPage() {
  const [values, setValues] = useState<FormValues>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const form = useRef<HTMLFormElement>(null);
  const [submit, { loading }] = useMutation(SubmitRequest, {
    update(cache, { data }) {
      if (data) addToRequestLists(cache, data.createContainerRequest);
    },
  });

  const set =
    <K extends keyof FormValues>(key: K) =>
    (value: FormValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));
  const text = (key: Exclude<keyof FormValues, 'useExisting'>) => ({
    name: key,
    value: values[key],
    onChange: (e: { target: { value: string } }) => set(key)(e.target.value),
  });

  function showErrors(found: FieldErrors) {
    setErrors(found);
    // After the render that shows them: focus the first field at fault.
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

  async function send(commit: boolean) {
    setFormError(null);
    const found = validate(values, commit);
    if (Object.keys(found).length > 0) {
      showErrors(found);
      return;
    }
    const input = toInput(values, commit);
    // The token leaves the form now, whatever the answer.
    setValues((v) => ({ ...v, runtimeToken: '' }));
    try {
      const { data, error } = await submit({ variables: { input } });
      if (error) throw error;
      if (data) navigate(`/requests/${data.createContainerRequest.uuid}`);
    } catch (err) {
      if (CombinedGraphQLErrors.is(err)) {
        const fieldErrors: FieldErrors = {};
        const other: string[] = [];
        for (const e of err.errors) {
          const field = fieldOfError(e.extensions?.field as string | undefined);
          if (e.extensions?.code === 'BAD_USER_INPUT' && field) fieldErrors[field] = e.message;
          else other.push(e.message);
        }
        showErrors(fieldErrors);
        if (other.length) setFormError(other.join(' '));
      } else setFormError(`Could not reach the gateway: ${(err as Error).message}`);
    }
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void send(submitter?.value !== 'draft');
  }

  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a request</h1>
      <form ref={form} className="submit" onSubmit={onSubmit} noValidate>
        {formError && (
          <p className="error" role="alert">
            {formError}
          </p>
        )}
        <Field label="Name" error={errors.name}>
          <input type="text" {...text('name')} />
        </Field>
        <Field label="Command" hint="One argument per line, the program first." error={errors.command}>
          <textarea rows={4} spellCheck={false} {...text('command')} />
        </Field>
        <Field label="Container image" hint="For example debian:12." error={errors.containerImage}>
          <input type="text" spellCheck={false} {...text('containerImage')} />
        </Field>
        <Field
          label="Working directory"
          hint="Inside the container; empty for the default."
          error={errors.cwd}
        >
          <input type="text" spellCheck={false} {...text('cwd')} />
        </Field>
        <Field
          label="Output path"
          hint="The directory whose content becomes the output."
          error={errors.outputPath}
        >
          <input type="text" spellCheck={false} {...text('outputPath')} />
        </Field>
        <Field label="Environment" hint="NAME=value, one per line." error={errors.environment}>
          <textarea rows={3} spellCheck={false} {...text('environment')} />
        </Field>
        <fieldset className={errors.resources ? 'resources invalid' : 'resources'}>
          <legend>Resources</legend>
          {errors.resources && (
            <p className="error field-error" role="alert">
              {errors.resources}
            </p>
          )}
          <Field label="vCPUs" error={errors.vcpus}>
            <input type="text" inputMode="numeric" {...text('vcpus')} />
          </Field>
          <Field label="RAM (MiB)" error={errors.ramMiB}>
            <input type="text" inputMode="numeric" {...text('ramMiB')} />
          </Field>
        </fieldset>
        <Field label="Priority" hint="1 (lowest) to 1000 (highest)." error={errors.priority}>
          <input type="text" inputMode="numeric" {...text('priority')} />
        </Field>
        <div className={errors.useExisting ? 'field check invalid' : 'field check'}>
          <input
            id="useExisting"
            type="checkbox"
            checked={values.useExisting}
            onChange={(e) => set('useExisting')(e.target.checked)}
          />
          <label htmlFor="useExisting">Reuse an identical container if there is one</label>
          {errors.useExisting && <p className="error field-error">{errors.useExisting}</p>}
        </div>
        <Field
          label="Runtime token (optional)"
          hint="Run as another token's user. Sent once, then cleared: never shown or kept."
          error={errors.runtimeToken}
        >
          <input type="password" autoComplete="off" spellCheck={false} {...text('runtimeToken')} />
        </Field>
        <div className="actions">
          <button type="submit" name="action" value="commit" disabled={loading}>
            Submit
          </button>
          <button type="submit" name="action" value="draft" className="secondary" disabled={loading}>
            Save as draft
          </button>
        </div>
      </form>
    </section>
  );
}
