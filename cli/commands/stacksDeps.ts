import { checkEnvironment } from "../../lib/shared/stackName";
import type { RunOptions } from "../../lib/stacks/deploy";
import { parseDuration } from "../../lib/stacks/duration";
import type { PulumiContext, PulumiStacks } from "../../lib/stacks/pulumi";
import { codeServerOf, explainCodeServer } from "../../lib/stacks/explainPods";
import type { KubeApi } from "../../lib/workspace/kube-api";
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
  /** The cluster the code servers run in, as the kubeconfig's current context reaches it. */
  readonly openKube: (io: CommandIo) => Pick<KubeApi, "listPods" | "readPodLog" | "readDeployment">;
}

const DEFAULT_ENV = "dev";

export function environmentOf(env: string | undefined): string {
  return checkEnvironment(env ?? DEFAULT_ENV);
}

export function runOptions(stack: string, branch: string, values: { "take-over-lock"?: boolean; wait?: string }, io: CommandIo, deps: StacksDeps): RunOptions {
  return {
    stack,
    branch,
    log: io.stderr,
    now: deps.now,
    sleep: deps.sleep,
    takeOverLock: values["take-over-lock"] === true,
    waitMs: values.wait === undefined ? 0 : parseDuration(values.wait, "--wait"),
    explain: async (outputs) => {
      const server = codeServerOf(outputs);
      return server === undefined ? undefined : explainCodeServer(deps.openKube(io), server);
    },
  };
}
