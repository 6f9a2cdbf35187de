import * as pulumi from "@pulumi/pulumi";
import { currentGitBranch } from "../lib/plan/branch";
import { planDeployment, type DeploymentPlan } from "../lib/plan/plan";
import { asRunError } from "./runError";

/**
 * Plans the current stack from its Pulumi config (Pulumi.yaml's `defaults` under the stack's own
 * keys), the environment and the checkout. A mistake in the config stops the program with one
 * line per problem, before any resource is registered.
 */
export function planStack(): DeploymentPlan {
  let plan: DeploymentPlan;
  try {
    plan = planDeployment({
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      config: pulumi.runtime.allConfig(),
      env: process.env,
      cwd: process.cwd(),
      gitBranch: currentGitBranch,
    });
  } catch (err) {
    return asRunError(err);
  }
  for (const name of plan.imageEnv.unset) {
    pulumi.log.warn(`docker.docker_env_vars: ${name} is not set in this environment, so the image does not get it`);
  }
  return plan;
}
