import type { Settings } from "../config/schema";
import type { DeploymentNames } from "./names";

/** `[<image_prefix>/]<deployment name>`: the repository below the registry address. */
export function imageRepositoryPath(settings: Settings, names: DeploymentNames): string {
  const prefix = settings.docker.image_prefix.replace(/^\/+|\/+$/g, "");
  return prefix === "" ? names.deploymentName : `${prefix}/${names.deploymentName}`;
}
