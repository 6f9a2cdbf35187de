import * as pulumi from "@pulumi/pulumi";
import { CodeLocation } from "./components/codeLocation";
import { currentGitBranch } from "./lib/branch";
import { planDeployment } from "./lib/deployment";
import { UserError, isUserError } from "./lib/errors";
import { imageRepository } from "./lib/image";

function plan() {
  try {
    const deployment = planDeployment({
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      config: pulumi.runtime.allConfig(),
      env: process.env,
      cwd: process.cwd(),
      gitBranch: currentGitBranch,
    });
    const tag = deployment.settings.docker.image_tag;
    if (!tag) {
      throw new UserError(
        `Pulumi.${pulumi.getStack()}.yaml: docker.image_tag: required: set the tag of an existing image to deploy ` +
          `(pulumi config set --path docker.image_tag 1.11.16-3)`,
      );
    }
    return { ...deployment, tag };
  } catch (err) {
    // A RunError is shown without a stack trace: the message already says what to fix.
    if (isUserError(err)) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const deployment = plan();
const { settings, names } = deployment;

const location = new CodeLocation("code-location", {
  settings,
  names,
  chart: deployment.chart,
  image: { repository: imageRepository(settings, names), tag: deployment.tag },
});

export const deploymentName = location.deploymentName;
export const locationName = location.locationName;
export const image = location.image;
export const releaseName = location.releaseName;
export const namespace = location.namespace;
/** Where the location's assets show in the Dagster UI, when `dagster_gui_url` is set. */
export const locationUrl = settings.dagster_gui_url
  ? pulumi.interpolate`${settings.dagster_gui_url.replace(/\/+$/, "")}/locations/${location.locationName}/assets`
  : undefined;
