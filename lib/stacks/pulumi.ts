import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { UserError } from "../shared/errors";
import type { StackSummary } from "./select";

/** What the stack helpers ask of Pulumi; tests drive the real one against a stand-in CLI. */
export interface PulumiStacks {
  listStacks(): Promise<StackSummary[]>;
  /** `pulumi stack init NAME --copy-config-from FROM --no-select`. */
  initStack(name: string, copyConfigFrom: string): Promise<void>;
  /**
   * `pulumi config cp --stack FROM --dest TO`: every key of FROM's config (and its ESC environment
   * imports) into TO's, secrets re-encrypted for TO; keys TO alone has are kept.
   */
  copyConfig(from: string, to: string): Promise<void>;
  setConfig(stack: string, key: string, value: string): Promise<void>;
  /** `pulumi config get KEY --json`: the value as the program gets it (a secret decrypted, a mapping as JSON). */
  configValue(stack: string, key: string): Promise<string>;
  /** `pulumi up --yes --skip-preview`, streaming the CLI's output; returns the update's link, if printed. */
  up(stack: string, onOutput: (text: string) => void): Promise<{ readonly permalink: string | undefined }>;
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** `pulumi destroy --yes --skip-preview`, streamed like `up`. */
  destroy(stack: string, onOutput: (text: string) => void): Promise<{ readonly permalink: string | undefined }>;
  removeStack(stack: string): Promise<void>;
  /** `pulumi preview --json`: the CLI's PreviewDigest, as printed. */
  preview(stack: string): Promise<string>;
  /** `pulumi cancel --yes`: ends an update whose CLI is gone (a killed CI job), releasing the stack. */
  cancel(stack: string): Promise<void>;
  /** `pulumi refresh --yes --skip-preview --clear-pending-creates`: state back in line after an interrupted update. */
  refresh(stack: string, onOutput: (text: string) => void): Promise<void>;
  /** `pulumi stack history --json --page-size 1`: the newest update, as the CLI prints it (or undefined). */
  latestUpdate(stack: string): Promise<unknown>;
}

/** The Pulumi CLI failed: its own message is shown to the user as it is, with its exit code. */
export class PulumiFailed extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number,
    /** True when stderr was already streamed to the user. */
    readonly shown: boolean,
    /** True when it stopped because this process was told to stop (SIGINT, SIGTERM: a cancelled CI job). */
    readonly interrupted = false,
    /** What it printed on stdout: `--json` commands report their errors there. */
    readonly stdout = "",
  ) {
    super(stderr);
    this.name = "PulumiFailed";
  }
}

export const PULUMI_INSTALL = "curl -fsSL https://get.pulumi.com | sh";

export interface PulumiContext {
  /** The Pulumi project directory (where Pulumi.yaml is). */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Opens the Automation API's LocalWorkspace (which checks `pulumi version`). Listing, config and
 * stack removal go through it; `stack init --copy-config-from`, `config cp`, `up`, `destroy` and `stack output`
 * run the CLI directly, because the Automation API has no copy-config flag nor config copy, and its `up`/`destroy`
 * hide the permalink the CLI prints and ask for `--show-secrets` outputs we do not need.
 */
export async function openPulumi(context: PulumiContext): Promise<PulumiStacks> {
  if (!findOnPath("pulumi", context.env.PATH)) {
    throw new UserError(`the Pulumi CLI is not installed (no "pulumi" on PATH); install it with: ${PULUMI_INSTALL}`);
  }
  const envVars = stringEnv(context.env);
  const workspace = await automation(() => LocalWorkspace.create({ workDir: context.cwd, envVars }));
  const run = (args: string[], onOutput?: (text: string) => void) => runPulumi(args, context, onOutput);
  return {
    listStacks: () => automation(() => workspace.listStacks()),
    initStack: async (name, from) => {
      await run(["stack", "init", name, "--copy-config-from", from, "--no-select"]);
    },
    copyConfig: async (from, to) => {
      await run(["config", "cp", "--stack", from, "--dest", to]);
    },
    setConfig: (stack, key, value) => automation(() => workspace.setConfig(stack, key, { value })),
    configValue: async (stack, key) => (await automation(() => workspace.getConfig(stack, key))).value,
    up: async (stack, onOutput) => {
      const out = await run(["up", "--yes", "--skip-preview", "--stack", stack], onOutput);
      return { permalink: findPermalink(out) };
    },
    outputs: async (stack) => {
      const out = await run(["stack", "output", "--json", "--stack", stack]);
      const parsed: unknown = JSON.parse(out || "{}");
      return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    },
    destroy: async (stack, onOutput) => {
      const out = await run(["destroy", "--yes", "--skip-preview", "--stack", stack], onOutput);
      return { permalink: findPermalink(out) };
    },
    removeStack: (stack) => automation(() => workspace.removeStack(stack)),
    preview: (stack) => run(["preview", "--json", "--stack", stack]),
    cancel: async (stack) => {
      await run(["cancel", "--yes", "--stack", stack]);
    },
    refresh: async (stack, onOutput) => {
      await run(["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", stack], onOutput);
    },
    latestUpdate: async (stack) => {
      const parsed: unknown = JSON.parse((await run(["stack", "history", "--json", "--page-size", "1", "--stack", stack])) || "[]");
      return Array.isArray(parsed) ? parsed[0] : undefined;
    },
  };
}

/** The update link the CLI prints: "View in Browser (Ctrl+O): URL" or, in older CLIs, "View Live: URL". */
export function findPermalink(output: string): string | undefined {
  return /(?:View in Browser[^:\n]*|View Live|Permalink):\s*(\S+)/.exec(output)?.[1];
}

function findOnPath(command: string, pathVar: string | undefined): boolean {
  for (const dir of (pathVar ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

interface CliResult {
  readonly stderr?: unknown;
  readonly code?: unknown;
  readonly err?: { readonly stderr?: unknown; readonly exitCode?: unknown };
}

/** Runs an Automation API call, turning its CommandError into PulumiFailed with the CLI's stderr. */
async function automation<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    // CommandError keeps the CLI's result in a field its typings mark private; and when the CLI exits
    // non-zero, the result holds execa's error, whose stderr and exitCode are the CLI's own.
    const result = (err as { commandResult?: CliResult }).commandResult;
    if (result) {
      const stderr = typeof result.err?.stderr === "string" ? result.err.stderr : result.stderr;
      const exit = typeof result.err?.exitCode === "number" ? result.err.exitCode : result.code;
      if (typeof stderr === "string") {
        throw new PulumiFailed(stderr.endsWith("\n") || stderr === "" ? stderr : `${stderr}\n`, typeof exit === "number" && exit > 0 ? exit : 1, false);
      }
    }
    throw err;
  }
}

/** Spawns `pulumi ARGS --non-interactive`; streams both streams to onOutput when given, returns stdout. */
function runPulumi(args: string[], context: PulumiContext, onOutput?: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: context.cwd,
      env: { ...context.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // A cancelled CI job signals us: pass it on, so the CLI stops its update cleanly and unlocks the stack.
    let interrupted = false;
    const forward = (signal: NodeJS.Signals) => {
      interrupted = true;
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
    for (const signal of signals) process.on(signal, forward);
    const stopForwarding = () => signals.forEach((signal) => process.off(signal, forward));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      onOutput?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      onOutput?.(chunk);
    });
    child.on("error", (err) => {
      stopForwarding();
      reject(new PulumiFailed(`pulumi: ${err.message}\n`, 1, false));
    });
    child.on("close", (code, signal) => {
      stopForwarding();
      if (code === 0) resolve(stdout);
      else reject(new PulumiFailed(stderr, code ?? (signal === null ? 1 : 130), onOutput !== undefined, interrupted, stdout));
    });
  });
}
