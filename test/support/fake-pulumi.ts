import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** A stack as the stand-in `pulumi` keeps it. */
export interface FakeStack {
  config: Record<string, string>;
  outputs?: Record<string, unknown>;
  lastUpdate?: string;
  resourceCount?: number;
  /** An update holds the stack (a running deploy, or one whose CI job was killed). */
  updateInProgress?: boolean;
  /** Oldest first, as `pulumi stack history --json` entries. */
  history?: { kind: string; result: string; resourceChanges?: Record<string, number> }[];
}

export interface FakeState {
  stacks: Record<string, FakeStack>;
  calls: string[][];
  /** Per program run: what the program would see of its environment. */
  programEnv?: { command: string; stack: string; mergePreview: string | null }[];
}

export interface FakePulumi {
  /** Environment to run commands with: the stand-in first on PATH, its state file. */
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  state(): FakeState;
  /** The recorded calls, each joined by spaces, without `--non-interactive` and `version`. */
  calls(): string[];
  cleanup(): void;
}

const BIN = path.join(__dirname, "fake-pulumi");

/**
 * Puts the stand-in `pulumi` first on PATH, for this process too: the Automation API runs
 * `pulumi version` with the process's own environment.
 */
export function fakePulumi(stacks: Record<string, FakeStack>, extraEnv: NodeJS.ProcessEnv = {}): FakePulumi {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
  const stateFile = path.join(dir, "state.json");
  writeFileSync(stateFile, JSON.stringify({ stacks, calls: [] }));
  const pathVar = `${BIN}${path.delimiter}${process.env.PATH ?? ""}`;
  const savedPath = process.env.PATH;
  process.env.PATH = pathVar;
  const read = (): FakeState => JSON.parse(readFileSync(stateFile, "utf8")) as FakeState;
  return {
    env: { PATH: pathVar, FAKE_PULUMI_STATE: stateFile, HOME: dir, PULUMI_HOME: path.join(dir, ".pulumi"), ...extraEnv },
    dir,
    state: read,
    calls: () =>
      read()
        .calls.filter((c) => c[0] !== "version")
        .map((c) => c.filter((a) => a !== "--non-interactive").join(" ")),
    cleanup: () => {
      process.env.PATH = savedPath;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
