import * as pulumi from "@pulumi/pulumi";
import { currentGitBranch, MERGE_PREVIEW_ENV } from "../lib/plan/branch";
import { planDeployment, type DeploymentPlan } from "../lib/plan/plan";
import { asRunError } from "./runError";

/**
 * Plans the current stack from its Pulumi config (Pulumi.yaml's `defaults` under the stack's own
 * keys), the environment and the checkout. A mistake in the config stops the program with one
 * line per problem, before any resource is registered.
 */
export function planStack(): DeploymentPlan {
  let plan: DeploymentPlan;
  const config = pulumi.runtime.allConfig();
  try {
    plan = planDeployment({
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      config,
      secretKeys: Object.keys(config).filter(isConfigSecret),
      env: process.env,
      cwd: process.cwd(),
      gitBranch: currentGitBranch,
      // A pull request's preview of what merging does to an environment stack (`stacks preview`).
      allowOtherCheckout: pulumi.runtime.isDryRun() && process.env[MERGE_PREVIEW_ENV] === "1",
    });
  } catch (err) {
    return asRunError(err);
  }
  for (const name of plan.imageEnv.unset) {
    pulumi.log.warn(`docker.docker_env_vars: ${name} is not set in this environment, so the image does not get it`);
  }
  return plan;
}

/**
 * Whether Pulumi holds config key `key` as a secret (`pulumi config set --secret`). The SDK's own
 * answer, `runtime.isConfigSecret`, is exported at run time but marked internal, so it has no
 * type; the public `Config.getSecret` wraps any key alike and cannot tell.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret: secret config keys cannot be told apart");
  return runtime.isConfigSecret(key);
}
