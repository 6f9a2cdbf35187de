import * as pulumi from "@pulumi/pulumi";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import { WorkspaceRegistrar } from "../lib/workspace/registrar";
import { DynamicResource, dynamicType } from "./dynamicResource";

export interface DagsterVersionCheckArgs {
  readonly context: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly daemonDeployment: pulumi.Input<string>;
  readonly dagsterVersion: pulumi.Input<string>;
}

interface CheckInputs {
  context: string;
  namespace: string;
  daemonDeployment: string;
  dagsterVersion: string;
}

interface CheckOutputs extends CheckInputs {
  warnings: string[];
}

async function check(inputs: CheckInputs): Promise<CheckOutputs> {
  const result = await new WorkspaceRegistrar(loadKubeConfig(inputs.context)).checkDagsterVersion(inputs);
  return { ...inputs, warnings: result.warnings };
}

/**
 * Refuses to build or deploy for another Dagster version than the instance runs: the check runs in
 * every preview and update (in `diff`), and everything else in the stack depends on it. A match
 * reports no change, so it adds nothing to a quiet `pulumi up`.
 */
export const dagsterVersionCheckProvider: pulumi.dynamic.ResourceProvider<CheckInputs, CheckOutputs> = {
  async create(inputs) {
    return { id: `${inputs.namespace}/${inputs.daemonDeployment}`, outs: await check(inputs) };
  },
  async diff(_id, olds, news) {
    // Throws with both versions when the instance's differs.
    const current = await check(news);
    const changed = (Object.keys(news) as (keyof CheckInputs)[]).some((key) => olds[key] !== news[key]);
    return { changes: changed || JSON.stringify(current.warnings) !== JSON.stringify(olds.warnings ?? []) };
  },
  async update(_id, _olds, news) {
    return { outs: await check(news) };
  },
};

export const DAGSTER_VERSION_CHECK_TYPE = dynamicType("DagsterVersionCheck");

/** Stops every preview and update when the instance runs another Dagster version than the stack builds for (see the provider). */
export class DagsterVersionCheck extends DynamicResource {
  public declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: DagsterVersionCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(dagsterVersionCheckProvider, { file: __filename, exportName: "dagsterVersionCheckProvider" }, "DagsterVersionCheck", name, { ...args, warnings: undefined }, opts);
  }
}
