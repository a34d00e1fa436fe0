import { INFIX } from '../format/uuid.js';

const TYPE_BY_INFIX: Record<string, string> = {
  [INFIX.user]: 'User',
  [INFIX.token]: 'ApiClientAuthorization',
  [INFIX.containerRequest]: 'ContainerRequest',
  [INFIX.container]: 'Container',
};

/** The GraphQL type a uuid names, from its infix (design.md §1). */
export function kindOfUuid(uuid: string): string | undefined {
  const m = /^[0-9a-z]{5}-([0-9a-z]{5})-[0-9a-z]{15}$/.exec(uuid);
  return m ? TYPE_BY_INFIX[m[1]!] : undefined;
}
