/**
 * Which environment stacks a pull request changes, from the files it touches: the reviewer sees
 * their preview before the change reaches main.
 */
import { isEnvironmentStackName } from "../shared/stackName";

/**
 * Files that are the Pulumi program (or what it runs with) in a project directory: a change to
 * any of them can change every environment stack. Dagster code changes only the image, which every
 * branch deployment previews already.
 */
export const PROGRAM_FILES: readonly string[] = ["Pulumi.yaml", "index.ts", "package.json", "package-lock.json", "tsconfig.json"];
export const PROGRAM_DIRS: readonly string[] = ["components/", "lib/"];

/** `Pulumi.<env>.yaml` → `<env>`; branch stacks' files (`Pulumi.dev.x.yaml`) and others → undefined. */
export function environmentOfStackFile(file: string): string | undefined {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(file);
  const env = match?.[1];
  return env !== undefined && isEnvironmentStackName(env) ? env : undefined;
}

/**
 * The environment stacks `changed` (paths relative to the project directory, as `git diff
 * --name-only --relative` prints them) affect, in `environments`' order.
 */
export function affectedEnvironments(changed: readonly string[], environments: readonly string[]): string[] {
  const program = changed.some((file) => PROGRAM_FILES.includes(file) || PROGRAM_DIRS.some((dir) => file.startsWith(dir)));
  if (program) return [...environments];
  const touched = new Set(changed.map((file) => environmentOfStackFile(file)).filter((env) => env !== undefined));
  return environments.filter((env) => touched.has(env));
}
