import { parseArgs } from "node:util";
import { UserError } from "../lib/shared/errors";
import { commandHelp, usageLine, type CommandSpec, type OptionSpec } from "./usage";

/** A wrong command line: shown with the usage line, exit code 2. */
export class UsageError extends UserError {
  constructor(
    problems: string | readonly string[],
    /** The usage line and any hint, printed after the problems. */
    readonly usage: readonly string[],
  ) {
    super(problems);
    this.name = "UsageError";
  }
}

/** `--help` was asked for: the help goes to stdout, exit code 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

type ParserOptions<S extends CommandSpec> = { [K in keyof S["options"]]: { type: S["options"][K]["type"] } };
type OptionValue<O extends OptionSpec> = O["type"] extends "string" ? string : boolean;
/** Each option's value; a required one is always there once parsing succeeded. */
export type ParsedValues<S extends CommandSpec> = { [K in keyof S["options"]]?: OptionValue<S["options"][K]> } & {
  [K in keyof S["options"] as S["options"][K] extends { required: true } ? K : never]-?: OptionValue<S["options"][K]>;
};

/**
 * Parses a command's arguments by its spec: `--help` anywhere asks for help, an unknown option or
 * a missing required one is a UsageError naming it, with the usage line and, where `npm run`
 * took the options for itself (no `--` before them), how to pass them on.
 */
export function parseCommandArgs<S extends CommandSpec>(spec: S, args: readonly string[], env: NodeJS.ProcessEnv = {}): { values: ParsedValues<S> } {
  if (args.includes("--help") || args.includes("-h")) throw new HelpRequested(commandHelp(spec));
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }])) as ParserOptions<S>;
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err) {
    // Some of node's messages run over two lines; a problem is one line.
    throw usageError(spec, [`${spec.name}: ${(err as Error).message.replace(/\s*\n\s*/g, " ")}`], env);
  }
  const values = parsed.values as Record<string, unknown>;
  const missing = Object.entries(spec.options)
    .filter(([name, option]) => option.required && (values[name] === undefined || values[name] === ""))
    .map(([name, option]) => `${spec.name}: --${name}${option.value ? ` ${option.value}` : ""} is required`);
  if (missing.length > 0) throw usageError(spec, missing, env);
  return { values: values as ParsedValues<S> };
}

export function usageError(spec: CommandSpec, problems: readonly string[], env: NodeJS.ProcessEnv): UsageError {
  const hint = npmSwallowedOptions(spec, env);
  return new UsageError(problems, [`usage: ${usageLine(spec)}`, ...(hint ? [hint] : [])]);
}

/**
 * `npm run render --stack dev` (no `--`) keeps `--stack` for npm, which sets npm_config_stack and
 * passes only `dev` on: say how to pass the options through.
 */
function npmSwallowedOptions(spec: CommandSpec, env: NodeJS.ProcessEnv): string | undefined {
  if (env.npm_lifecycle_event === undefined) return undefined;
  // A value-taking option npm kept reads as the flag `true` there; npm's own settings are never that.
  const taken = Object.entries(spec.options)
    .filter(([name, option]) => option.type === "string" && env[`npm_config_${name.replace(/-/g, "_")}`] === "true")
    .map(([name]) => name);
  if (taken.length === 0) return undefined;
  return (
    `hint: npm run kept ${taken.map((name) => `--${name}`).join(", ")} for itself; ` +
    `put -- before the command's options: npm run -s ${env.npm_lifecycle_event} -- --${taken[0]} ...`
  );
}
