import type * as k8s from "@kubernetes/client-node";
import { isUserError } from "../../lib/shared/errors";
import { checkEnvironment } from "../../lib/shared/stackName";
import type { RunOptions } from "../../lib/stacks/deploy";
import { parseDuration } from "../../lib/stacks/duration";
import { explainCodeServer } from "../../lib/stacks/explainPods";
import type { PulumiContext, PulumiStacks } from "../../lib/stacks/pulumi";
import { planStackFromFiles } from "../../lib/stacks/stackPlan";
import type { Cluster } from "../../lib/stacks/status";
import { stackTarget, type StackTarget } from "../../lib/stacks/target";
import { dagsterWebserver } from "../../lib/workspace/dagster-graphql";
import { makeKubeApi } from "../../lib/workspace/kube-api";
import type { CommandIo } from "../io";

/** What the stack helpers reach outside themselves for; tests replace the parts without a stand-in. */
export interface StacksDeps {
  readonly openPulumi: (context: PulumiContext) => Promise<PulumiStacks>;
  /** Branch names on `origin` (`git ls-remote --heads origin`). */
  readonly remoteBranches: (cwd: string) => Promise<string[]>;
  readonly gitBranch: (cwd: string) => string | undefined;
  /** Asks a yes/no question; false unless the user says yes. */
  readonly confirm: (question: string, io: CommandIo) => Promise<boolean>;
  /** Someone at a terminal who can answer (not CI). */
  readonly interactive: (io: CommandIo) => boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** The kubeconfig with `context` (the stack's `kubernetes.context`) as its current context. */
  readonly kubeConfig: (io: CommandIo, context: string) => k8s.KubeConfig;
}

const DEFAULT_ENV = "dev";
/** One GraphQL request of `stacks status`: a webserver that takes longer is reported as unknown. */
const WEBSERVER_TIMEOUT_MS = 15_000;

export function environmentOf(env: string | undefined): string {
  return checkEnvironment(env ?? DEFAULT_ENV);
}

export function runOptions(
  pulumi: PulumiStacks,
  stack: string,
  branch: string,
  values: { "take-over-lock"?: boolean; wait?: string },
  io: CommandIo,
  deps: StacksDeps,
): RunOptions {
  return {
    stack,
    branch,
    log: io.stderr,
    now: deps.now,
    sleep: deps.sleep,
    takeOverLock: values["take-over-lock"] === true,
    waitMs: values.wait === undefined ? 0 : parseDuration(values.wait, "--wait"),
    // From the config too: a first update that fails leaves no outputs, and its code server is what needs explaining.
    explain: async (outputs) => {
      // A config the program cannot plan failed the update before any code server existed.
      const target = await targetOf(pulumi, stack, branch, outputs, io).catch((err: unknown) => {
        if (isUserError(err)) return undefined;
        throw err;
      });
      return target === undefined ? undefined : explainCodeServer(makeKubeApi(deps.kubeConfig(io, target.context)), target);
    },
  };
}

/** Where the stack's location lives: its config planned as `pulumi up` plans it, its outputs where it has them. */
export async function targetOf(pulumi: PulumiStacks, stack: string, branch: string, outputs: Readonly<Record<string, unknown>>, io: CommandIo): Promise<StackTarget> {
  const plan = await planStackFromFiles(pulumi, { dir: io.cwd, stack, ...(branch === "" ? {} : { branch }), env: io.env });
  return stackTarget(plan, outputs);
}

/** The cluster and the Dagster webserver as the stack's kube context reaches them. */
export function clusterOf(target: StackTarget, io: CommandIo, deps: StacksDeps): Cluster {
  const kc = deps.kubeConfig(io, target.context);
  return { kube: makeKubeApi(kc), webserver: dagsterWebserver(kc, target.webserver, WEBSERVER_TIMEOUT_MS) };
}
