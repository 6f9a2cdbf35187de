/**
 * A stack planned from the project's files, as `pulumi up` plans it: where its code server, Helm
 * release and Dagster webserver are, even before a first update has left any outputs.
 */
import * as path from "node:path";
import { readStackFiles, SECRET_PLACEHOLDER } from "../config/stackFiles";
import { planDeployment, type DeploymentPlan } from "../plan/plan";
import type { PulumiStacks } from "./pulumi";

export interface StackPlanInputs {
  /** The Pulumi project directory. */
  readonly dir: string;
  readonly stack: string;
  /** A branch stack's branch, as `stacks up` sets it; an environment stack's comes from its config. */
  readonly branch?: string;
  readonly env: NodeJS.ProcessEnv;
}

export async function planStackFromFiles(pulumi: Pick<PulumiStacks, "configValue">, inputs: StackPlanInputs): Promise<DeploymentPlan> {
  const files = readStackFiles(inputs.dir, inputs.stack);
  // A key set whole with --secret reads as a placeholder; a mapping (`kubernetes`) is needed as it
  // is, so the CLI decrypts it, for the stack whose file holds it. It stays in this process.
  const owner = stackOfFile(files.stackFile);
  for (const key of files.secretKeys) {
    if (files.config[key] === SECRET_PLACEHOLDER) files.config[key] = await pulumi.configValue(owner, key);
  }
  if (inputs.branch !== undefined) {
    // What `stacks up` sets on a branch stack.
    files.config[`${files.project}:branch`] = inputs.branch;
    files.config[`${files.project}:cicd`] = "false";
  }
  return planDeployment({
    project: files.project,
    stack: inputs.stack,
    config: files.config,
    env: inputs.env,
    cwd: inputs.dir,
    gitBranch: () => undefined,
    stackFile: files.stackFile,
    secretKeys: files.secretKeys,
    allowOtherCheckout: true,
    // `stacks status` may run where the deploy's variables (a registry password) are not set.
    unsetVariables: "unchecked",
  });
}

/** `Pulumi.dev.feat-a.yaml` → `dev.feat-a`. */
function stackOfFile(file: string): string {
  return path.basename(file).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
}
