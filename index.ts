import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CodeLocation } from "./components/codeLocation";
import { deployableChart } from "./components/helmChart";
import { registryAuth } from "./components/registryAuth";
import { asRunError } from "./components/runError";
import { currentGitBranch } from "./lib/plan/branch";
import { helmRegistryConfigPath } from "./lib/chart/registryConfig";
import { chartValues } from "./lib/release/values";
import { planDeployment } from "./lib/plan/plan";
import { imageName, imageRepositoryPath } from "./lib/plan/imageName";
import { buildPlan, hashBuild } from "./lib/build/buildPlan";

/** Our cache beside the dependencies: source-hash stats and unpacked charts survive between runs. */
const CACHE_DIR = path.join(process.cwd(), "node_modules/.cache/dagster-code-locations");

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

const deployment = plan();
const { settings, names, build } = deployment;
for (const name of build?.unsetEnvVars ?? []) {
  pulumi.log.warn(`docker.docker_env_vars: ${name} is not set in this environment, so the image does not get it`);
}

const auth = registryAuth(settings);
// Credentials Helm needs travel in a file that lives for the run, never in state.
const chartRegistryConfig = helmRegistryConfigPath(deployment.chart, auth.authenticated, pulumi.getProject(), pulumi.getStack());
const chart = deployableChart({
  source: deployment.chart,
  registry: settings.docker.container_registry,
  login: auth.login,
  cacheRoot: path.join(CACHE_DIR, "charts"),
  projectDir: process.cwd(),
  // The release's values but for the image tag, so a bad `chart:` value fails the preview already.
  values: chartValues(settings, names, { repository: imageName(settings, names), tag: `${settings.dagster_version}-0` }, settings.kubernetes.namespace),
  registryConfigPath: chartRegistryConfig,
  offline: process.env.DAGSTER_CODE_LOCATIONS_OFFLINE === "1",
});

const location = new CodeLocation("code-location", {
  settings,
  names,
  chart,
  registryConfigPath: chartRegistryConfig,
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
          // The stat cache makes repeated runs read only what changed.
          sourceHash: pulumi.output(hashBuild(build, settings.dagster_version, CACHE_DIR).catch(asRunError)),
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
