// The query shape of issue 8's attack, in one place for the cost test and the benchmark: a
// container, the requests sharing it, their container, its requests…, `levels` connections deep.
// Over a container shared by many requests, each level multiplies the rows by `first`.

export function attackQuery(levels: number, first = 100): string {
  let inner = 'uuid command';
  for (let i = 0; i < levels; i++)
    inner = `containerRequests(first: ${first}) { edges { node { uuid name command container { uuid ${inner} } } } }`;
  return `query($u: ID!) { container(uuid: $u) { ${inner} } }`;
}
