import type { DeploymentNames } from "./names";
import { imageRepository, parseRegistryAddress } from "../config/registryAddress";
import type { Settings } from "../config/schema";

/** `[<image_prefix>/]<deployment name>`: the repository below the registry address. */
export function imageRepositoryPath(settings: Settings, names: DeploymentNames): string {
  const prefix = settings.docker.image_prefix.replace(/^\/+|\/+$/g, "");
  return prefix === "" ? names.deploymentName : `${prefix}/${names.deploymentName}`;
}

/** `<registry>/<image_prefix>/<deployment name>`; the registry's http(s):// never appears in image names. */
export function imageName(settings: Settings, names: DeploymentNames): string {
  return imageRepository(parseRegistryAddress(settings.docker.container_registry), imageRepositoryPath(settings, names));
}
