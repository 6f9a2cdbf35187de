import type { DeploymentNames } from "./names";
import type { Settings } from "./settings/schema";

/** `<registry>/<image_prefix>/<deployment name>`; the registry's http(s):// never appears in image names. */
export function imageRepository(settings: Settings, names: DeploymentNames): string {
  const registry = settings.docker.container_registry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const prefix = settings.docker.image_prefix.replace(/^\/+|\/+$/g, "");
  return [registry, prefix, names.deploymentName].filter((part) => part !== "").join("/");
}
