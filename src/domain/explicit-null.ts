import { badInput } from '../errors.js';

/**
 * GraphQL lets a client send `null` for any optional input field. For a field whose column
 * cannot be null, null is not "omitted" (that is leaving the field out): it is refused, naming
 * the field, like any other value the field cannot take.
 */
export function refuseExplicitNull<T extends object>(input: T, fields: readonly (keyof T & string)[]): void {
  for (const field of fields) {
    if (Object.hasOwn(input, field) && input[field] === null)
      throw badInput(field, `${field} cannot be null (leave it out to keep it as it is)`);
  }
}
