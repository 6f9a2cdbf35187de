import type { CommandIo } from "../../cli/io";

export interface FakeIo {
  readonly io: CommandIo;
  stdout(): string;
  stderr(): string;
  /** How often the command read standard input. */
  stdinReads(): number;
}

/** In-memory streams for running a command in-process. */
export function fakeIo(options: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): FakeIo {
  let out = "";
  let err = "";
  let reads = 0;
  return {
    io: {
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
      readStdin: async () => {
        reads++;
        return options.stdin ?? "";
      },
      env: options.env ?? {},
      cwd: options.cwd ?? process.cwd(),
    },
    stdout: () => out,
    stderr: () => err,
    stdinReads: () => reads,
  };
}
