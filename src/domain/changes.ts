/**
 * Which objects a transaction changed: collected by the domain functions, published as
 * subscription events only after the transaction commits.
 */
export class ChangeSet {
  readonly containers = new Set<string>();
  readonly containerRequests = new Set<string>();

  container(uuid: string): void {
    this.containers.add(uuid);
  }
  containerRequest(uuid: string): void {
    this.containerRequests.add(uuid);
  }
  /** Forget an aborted attempt's changes (the transaction is about to run again). */
  clear(): void {
    this.containers.clear();
    this.containerRequests.clear();
  }
}
