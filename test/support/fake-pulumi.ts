import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";

/** A stack as the stand-in `pulumi` keeps it: config in its stack file, the rest in the backend. */
export interface FakeStack {
  /** Written to Pulumi.<stack>.yaml in the working directory, as the real CLI keeps it. */
  config: Record<string, string>;
  /** Keys set with `--secret`: written encrypted for this stack. */
  secrets?: Record<string, string>;
  outputs?: Record<string, unknown>;
  lastUpdate?: string;
  resourceCount?: number;
  /** An update holds the stack (a running deploy, or one whose CI job was killed). */
  updateInProgress?: boolean;
  /** Oldest first, as `pulumi stack history --json` entries. */
  history?: { kind: string; result: string; resourceChanges?: Record<string, number> }[];
}

export interface FakeState {
  /** The backend's stacks; `config` is read from the stack files of the fake's working directory. */
  stacks: Record<string, FakeStack>;
  calls: string[][];
  /** Per program run: what the program would see of its environment. */
  programEnv?: { command: string; stack: string; mergePreview: string | null }[];
}

export interface FakePulumi {
  /** Environment to run commands with: the stand-in first on PATH, its state file. */
  readonly env: NodeJS.ProcessEnv;
  /** The working directory (a clone of the project): where the stack files are. */
  readonly dir: string;
  state(): FakeState;
  /** The recorded calls, each joined by spaces, without `--non-interactive` and `version`. */
  calls(): string[];
  cleanup(): void;
}

const BIN = path.join(__dirname, "fake-pulumi");

/** How the stand-in stores a secret in a stack file: usable by that stack only, never plain text. */
export function fakeSecure(stack: string, value: string): { secure: string } {
  return { secure: `v1:${Buffer.from(`${stack}\0${value}`).toString("base64")}` };
}

/** The stack file's `config:` as the stand-in wrote it ({} when there is no file). */
export function stackFileConfig(dir: string, stack: string): Record<string, unknown> {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return {};
  return ((parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {});
}

/** Writes each stack's config (and secrets, encrypted for it) to Pulumi.<stack>.yaml in dir. */
export function writeStackFiles(dir: string, stacks: Record<string, Pick<FakeStack, "config" | "secrets">>): void {
  for (const [name, stack] of Object.entries(stacks)) {
    const secrets = Object.fromEntries(Object.entries(stack.secrets ?? {}).map(([key, value]) => [key, fakeSecure(name, value)]));
    if (Object.keys(stack.config).length + Object.keys(secrets).length === 0) continue;
    writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), stringify({ config: { ...stack.config, ...secrets } }));
  }
}

/**
 * Puts the stand-in `pulumi` first on PATH, for this process too: the Automation API runs
 * `pulumi version` with the process's own environment.
 */
export function fakePulumi(stacks: Record<string, FakeStack>, extraEnv: NodeJS.ProcessEnv = {}): FakePulumi {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
  const stateFile = path.join(dir, "backend.json");
  writeStackFiles(dir, stacks);
  const backend = Object.fromEntries(Object.entries(stacks).map(([name, { config: _config, secrets: _secrets, ...rest }]) => [name, rest]));
  writeFileSync(stateFile, JSON.stringify({ stacks: backend, calls: [] }));
  const pathVar = `${BIN}${path.delimiter}${process.env.PATH ?? ""}`;
  const savedPath = process.env.PATH;
  process.env.PATH = pathVar;
  const read = (): FakeState => {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as FakeState;
    for (const [name, stack] of Object.entries(state.stacks)) stack.config = stackFileConfig(dir, name) as Record<string, string>;
    return state;
  };
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
