// What every command accepts, in one place: the parser reads it, `--help` prints it. Loading this
// module loads nothing else, so `--help` and usage errors answer before any command's code loads.

export const PROGRAM = "dagster-code-locations";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** How the value is shown in usage lines: `--stack STACK`. */
  readonly value?: string;
  readonly description: string;
  readonly required?: boolean;
}

export interface CommandSpec {
  /** `render`, `stacks up`: as typed after the program name. */
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
}

const STACK_ENV = { type: "string", value: "ENV", description: "the environment stack (default dev)" } as const;
const BRANCH = { type: "string", value: "B", description: "the branch (default: the CI variables, then the git checkout)" } as const;

export const render = {
  name: "render",
  summary: "print, as one JSON document, what `pulumi up` would deploy for a stack; contacts nothing",
  options: {
    stack: { type: "string", value: "STACK", description: "the stack: dev, acc, dev.my-branch", required: true },
    dir: { type: "string", value: "DIR", description: "the project directory holding Pulumi.yaml (default .)" },
    branch: { type: "string", value: "NAME", description: "deploy this branch instead of the detected one" },
    suffix: { type: "string", value: "S", description: "deployment_name_suffix for this run" },
    "resolve-tag": { type: "boolean", description: "ask the registry for the next image tag (REGISTRY_USERNAME/REGISTRY_PASSWORD)" },
  },
  examples: ["render --stack dev --branch feature/login"],
} as const satisfies CommandSpec;

export const names = {
  name: "names",
  summary: "read branch names on stdin and print, one JSON line each, the names their stacks would get",
  options: {
    stack: { type: "string", value: "STACK", description: "the environment whose settings give the project prefix", required: true },
    dir: { type: "string", value: "DIR", description: "the project directory holding Pulumi.yaml (default .)" },
  },
  examples: ["printf 'main\\nfeature/JIRA-12 login\\n' | dagster-code-locations names --stack dev"],
} as const satisfies CommandSpec;

export const importConfig = {
  name: "import-config",
  summary: "turn dagster-uc's .config_user_code_deployments.yaml into Pulumi.yaml defaults and one Pulumi.<env>.yaml per environment",
  options: {
    file: { type: "string", value: "PATH", description: "dagster-uc's config file", required: true },
    dir: { type: "string", value: "DIR", description: "the project directory to write into (default .)" },
  },
  examples: ["import-config --file .config_user_code_deployments.yaml"],
} as const satisfies CommandSpec;

export const nextTag = {
  name: "next-tag",
  summary: "print the tag the next image of a repository gets: <dagster-version>-<n>",
  options: {
    registry: { type: "string", value: "HOST[:PORT][/PATH]", description: "the registry", required: true },
    repository: { type: "string", value: "REPO", description: "the repository below the registry", required: true },
    "dagster-version": { type: "string", value: "V", description: "the Dagster version the tag starts with", required: true },
    username: { type: "string", value: "U", description: "registry user; the password comes on stdin" },
    "password-stdin": { type: "boolean", description: "read the password from stdin" },
    "ca-file": { type: "string", value: "PEM", description: "trust this CA certificate for the registry's TLS" },
    timeout: { type: "string", value: "SECONDS", description: "total time for every request to the registry (default 30)" },
  },
  examples: ["next-tag --registry myacr.azurecr.io --repository example/example--main --dagster-version 1.11.16"],
} as const satisfies CommandSpec;

export const stacksCreate = {
  name: "stacks create",
  summary: "create (or bring up to date) the branch stack <env>.<branch> from the environment stack's config",
  options: { env: STACK_ENV, branch: BRANCH },
  examples: ["stacks create --env dev --branch feature/login"],
} as const satisfies CommandSpec;

const JSON_REPORT = { type: "boolean", description: "print one JSON report (status, location, image, changes, error) on stdout" } as const;
const TAKE_OVER_LOCK = { type: "boolean", description: "cancel an update in progress whose run is gone (CI: one run per branch)" } as const;
const WAIT = { type: "string", value: "DURATION", description: "wait this long (10m, 1h) for an update in progress to end" } as const;

export const stacksUp = {
  name: "stacks up",
  summary: "create the branch stack if needed, bring its config up to date, and run pulumi up",
  options: {
    env: STACK_ENV,
    branch: BRANCH,
    stack: { type: "string", value: "ENV", description: "update this environment stack instead (the main line's deploy), previewed first" },
    "allow-replace": { type: "boolean", description: "with --stack: go on when the preview replaces the environment's Helm release" },
    yes: { type: "boolean", description: "on a terminal, deploy without showing the preview and asking" },
    json: JSON_REPORT,
    "take-over-lock": TAKE_OVER_LOCK,
    wait: WAIT,
  },
  examples: ["stacks up --env dev", "stacks up --env dev --branch \"$BRANCH\" --json --take-over-lock", "stacks up --stack dev --json --wait 30m"],
} as const satisfies CommandSpec;

export const stacksList = {
  name: "stacks list",
  summary: "list the branch stacks of an environment: branch, deployment, image, last update, link",
  options: { env: STACK_ENV, json: { type: "boolean", description: "print JSON instead of a table" } },
  examples: ["stacks list --env dev --json"],
} as const satisfies CommandSpec;

export const stacksStatus = {
  name: "stacks status",
  summary: "a branch stack's code location now: Helm release status, code server and pods, load status in Dagster, image and digest, UI link, and why it is not serving",
  options: { env: STACK_ENV, branch: BRANCH, json: { type: "boolean", description: "print JSON instead of text" } },
  examples: ["stacks status --env dev --branch feat/a --json"],
} as const satisfies CommandSpec;

export const stacksDestroy = {
  name: "stacks destroy",
  summary: "pulumi destroy and stack rm of branch stacks (never an environment stack)",
  options: {
    env: STACK_ENV,
    branch: { type: "string", value: "B", description: "the branch whose stack goes" },
    stack: { type: "string", value: "S", description: "the stack that goes, by name" },
    all: { type: "boolean", description: "every branch stack of the environment" },
    yes: { type: "boolean", description: "do not ask" },
    "missing-ok": { type: "boolean", description: "a stack that does not exist counts as destroyed" },
    json: JSON_REPORT,
    "take-over-lock": TAKE_OVER_LOCK,
    wait: WAIT,
  },
  examples: ["stacks destroy --branch feature/login --yes --missing-ok", "stacks destroy --branch \"$BRANCH\" --yes --missing-ok --json --wait 45m"],
} as const satisfies CommandSpec;

export const stacksPrune = {
  name: "stacks prune",
  summary: "destroy branch stacks whose branch is gone from origin, or not updated for a while",
  options: {
    env: STACK_ENV,
    "gone-branches": { type: "boolean", description: "branches missing from git ls-remote --heads origin" },
    "older-than": { type: "string", value: "DURATION", description: "not updated for 12h, 7d, 2w, ..." },
    "stale-locks": { type: "string", value: "DURATION", description: "also stacks whose update has been in progress this long (a killed CI job): cancelled, then destroyed" },
    "dry-run": { type: "boolean", description: "say what would go, destroy nothing" },
  },
  examples: ["stacks prune --gone-branches --older-than 14d --dry-run", "stacks prune --gone-branches --stale-locks 3h"],
} as const satisfies CommandSpec;

export const stacksPreview = {
  name: "stacks preview",
  summary: "pulumi preview of environment stacks: one, or those a change since REF affects (Pulumi.yaml, Pulumi.<env>.yaml, the program)",
  options: {
    env: STACK_ENV,
    "changed-since": { type: "string", value: "REF", description: "preview the environment stacks that the files changed since REF (git diff REF...HEAD) affect" },
    json: { type: "boolean", description: "print one JSON array of previews (changes, replaced resources, error) on stdout" },
  },
  examples: ["stacks preview --env acc", "stacks preview --changed-since origin/main --json"],
} as const satisfies CommandSpec;

export const stacksComment = {
  name: "stacks comment",
  summary: "print the pull-request comment (Markdown) for a run: deploying, or its report when it ended",
  options: {
    phase: { type: "string", value: "deploying|finished", description: "deploying: the run started; finished: it ended (with or without a report)", required: true },
    branch: { type: "string", value: "B", description: "the branch deployed" },
    commit: { type: "string", value: "SHA", description: "the commit deployed" },
    report: { type: "string", value: "FILE", description: "finished: the stacks up/destroy --json report; missing or empty means the run was stopped" },
    outcome: { type: "string", value: "cancelled|failed", description: "finished without a report: what the CI job ended as (default failed)" },
    command: { type: "string", value: "up|destroy", description: "finished without a report: what the run was doing (default up)" },
    previews: { type: "string", value: "FILE", description: "the stacks preview --json output to include" },
    "run-url": { type: "string", value: "URL", description: "the CI run's page" },
    "run-id": { type: "string", value: "N", description: "the CI run's number: a run never overwrites a newer run's comment" },
  },
  examples: ["stacks comment --phase finished --report report.json --outcome \"$JOB_STATUS\" --run-url \"$RUN_URL\""],
} as const satisfies CommandSpec;

export const stacks = {
  name: "stacks",
  summary: "branch stacks <env>.<branch>: create, up, status, list, destroy, prune, preview, comment (drives the Pulumi CLI)",
  options: {},
  examples: ["stacks up --env dev"],
} as const satisfies CommandSpec;

/** The commands, in the order help lists them; stacks' subcommands by their own word. */
export const COMMANDS: readonly CommandSpec[] = [render, names, importConfig, nextTag, stacks];
export const STACKS_SUBCOMMANDS: readonly CommandSpec[] = [stacksCreate, stacksUp, stacksStatus, stacksList, stacksDestroy, stacksPrune, stacksPreview, stacksComment];

/** `dagster-code-locations render --stack STACK [--dir DIR] ...` */
export function usageLine(spec: CommandSpec): string {
  const parts = Object.entries(spec.options).map(([name, option]) => {
    const text = option.value === undefined ? `--${name}` : `--${name} ${option.value}`;
    return option.required ? text : `[${text}]`;
  });
  return [PROGRAM, spec.name, ...parts].join(" ");
}

export function commandHelp(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, option]) => [
    option.value === undefined ? `--${name}` : `--${name} ${option.value}`,
    option.required ? `${option.description} (required)` : option.description,
  ]);
  rows.push(["-h, --help", "show this help"]);
  return [
    `usage: ${usageLine(spec)}`,
    "",
    spec.summary,
    "",
    "options:",
    ...columns(rows),
    "",
    "example:",
    ...spec.examples.map((example) => `  ${example.includes(PROGRAM) ? example : `${PROGRAM} ${example}`}`),
    "",
  ].join("\n");
}

/** The help of a command with subcommands, or of the program itself. */
export function listHelp(name: string, summary: string, specs: readonly CommandSpec[]): string {
  const word = (spec: CommandSpec) => spec.name.split(" ").pop() ?? spec.name;
  const command = name === "" ? PROGRAM : `${PROGRAM} ${name}`;
  return [
    `usage: ${command} <${specs.map(word).join("|")}> [options]`,
    "",
    summary,
    "",
    "commands:",
    ...columns(specs.map((spec) => [word(spec), spec.summary])),
    "",
    `Run \`${command} <command> --help\` for a command's options. In this repository: npm run -s <command> -- [options].`,
    "",
  ].join("\n");
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
