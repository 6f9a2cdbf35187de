import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CodeLocation } from "./components/codeLocation";
import { registryAuth } from "./components/registryAuth";
import { currentGitBranch } from "./lib/branch";
import { planDeployment } from "./lib/deployment";
import { isUserError } from "./lib/errors";
import { imageName, imageRepositoryPath } from "./lib/image";
import { buildPlan, hashBuild } from "./lib/imageBuild";

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
    const build = tag ? undefined : buildPlan(deployment.settings, deployment.names, deployment.repositoryRoot, process.env);
    return { ...deployment, build };
  } catch (err) {
    return asRunError(err);
  }
}

/** A RunError is shown without a stack trace: a user error's message already says what to fix. */
function asRunError(err: unknown): never {
  throw isUserError(err) ? new pulumi.RunError(err.message) : err;
}

const deployment = plan();
const { settings, names, build } = deployment;
for (const name of build?.unsetEnvVars ?? []) {
  pulumi.log.warn(`docker.docker_env_vars: ${name} is not set in this environment, so the image does not get it`);
}

const auth = registryAuth(settings);
const location = new CodeLocation("code-location", {
  settings,
  names,
  chart: deployment.chart,
  owner: `${pulumi.getProject()}/${pulumi.getStack()}`,
  image: {
    registry: settings.docker.container_registry,
    imageName: imageName(settings, names),
    repository: imageRepositoryPath(settings, names),
    dagsterVersion: settings.dagster_version,
    login: auth.login,
    push: auth.push,
    build: build
      ? {
          plan: build,
          // A stat cache beside the dependencies makes repeated runs read only what changed.
          sourceHash: pulumi.output(
            hashBuild(build, settings.dagster_version, path.join(process.cwd(), "node_modules/.cache/dagster-code-locations")).catch(asRunError),
          ),
        }
      : { existingTag: settings.docker.image_tag ?? "" },
  },
});

export const deploymentName = location.deploymentName;
export const locationName = location.locationName;
export const image = location.image;
export const releaseName = location.releaseName;
export const namespace = location.namespace;
export const branch = names.branchPart;
/** Where the location's assets show in the Dagster UI, when `dagster_gui_url` is set. */
export const locationUrl = settings.dagster_gui_url
  ? pulumi.interpolate`${settings.dagster_gui_url.replace(/\/+$/, "")}/locations/${location.locationName}/assets`
  : undefined;
