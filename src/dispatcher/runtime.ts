// What the dispatcher asks of a runtime: start a container's command with its token, say when it
// exits, stop it, describe its output, clean up. The local runtime (local-runtime.ts) runs the
// command on this host; another runtime (Docker, a batch scheduler) implements the same.

/** The container fields a runtime needs (as the gateway returns them at lock). */
export interface ContainerSpec {
  uuid: string;
  command: string[];
  cwd: string;
  environment: Record<string, unknown>;
  mounts: Record<string, unknown>;
  outputPath: string;
}

export interface StartRequest {
  container: ContainerSpec;
  /** Read with the container's own token; written only where the command can read them, removed by cleanup(). */
  secretMounts: Record<string, unknown>;
  /** Added to the container's environment, winning over it (the gateway's address and the token). */
  extraEnvironment: Record<string, string>;
  /** stdout and stderr, decoded, in arrival order. */
  onOutput(chunk: string): void;
}

/** The command could not be started (no such executable, a bad cwd, an unsupported mount): the reason is for the log. */
export class CannotStart extends Error {}

export interface ExitStatus {
  /** The exit code, or 128 + the signal number when a signal ended it (as shells report it). */
  exitCode: number;
  /** The signal's name when one ended it. */
  signal: NodeJS.Signals | null;
}

export interface Execution {
  readonly pid: number | undefined;
  /** Settles once the command has exited and its output streams are drained. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after `graceMs`, to everything the command started; resolves once it has exited. */
  stop(graceMs: number): Promise<ExitStatus>;
  /** The container's `output`: what the command left in outputPath. */
  output(): Promise<string>;
  /** Removes the secret mounts and the temporary directories; keeps the output. */
  cleanup(): Promise<void>;
}

export interface Runtime {
  /** Prepares a fresh working directory and starts the command; throws CannotStart with a readable reason. */
  start(req: StartRequest): Promise<Execution>;
  /**
   * After a dispatcher crash: stops what earlier runs left running (their reports can no longer
   * reach the gateway) and removes their secret mounts. Returns the containers it found.
   */
  recoverOrphans(graceMs: number): Promise<string[]>;
}
