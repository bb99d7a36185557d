// What a CLI command may touch: output streams and the environment (injected so commands are testable).
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Prints the problem and the command's usage to stderr; returns exit status 2. */
export function usageError(io: CliIO, message: string, help: string): number {
  io.stderr(`switchyard: ${message}\n\n${help}`);
  return 2;
}
