// The package's public entry point: what a Dagster repository's own Pulumi program imports.
export { CodeLocation, type CodeLocationArgs, type CodeServerArgs, type DagsterInstanceArgs, type SecretArgs } from "./codeLocation";
export { codeLocationArgs } from "./codeLocationArgs";
export { planStack } from "./stack";
export type { ImageBuildArgs } from "./codeImage";
export type { RegistryCredentials } from "./registryAuth";
export { parseRegistryAddress, type RegistryAddress } from "../lib/config/registryAddress";
export { chartSource, type ChartSource } from "../lib/chart/source";
export { deploymentNames, type DeploymentNames } from "../lib/plan/names";
export { planDeployment, type DeploymentPlan } from "../lib/plan/plan";
export type { Settings } from "../lib/config/schema";
