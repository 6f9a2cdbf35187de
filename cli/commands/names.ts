import * as path from "node:path";
import { planDeployment } from "../../lib/plan/plan";
import { isUserError } from "../../lib/shared/errors";
import { deploymentNames } from "../../lib/plan/names";
import { readStackFiles } from "../../lib/config/stackFiles";
import { checkStackName } from "../../lib/shared/stackName";
import { parseCommandArgs } from "../args";
import * as usage from "../usage";
import type { Command } from "../io";

/**
 * `names --stack STACK [--dir DIR]`: branch names on stdin, one per line; for each, one JSON line
 * with the names a branch stack of that environment would get.
 */
export const names: Command = async (args, io) => {
  const { values } = parseCommandArgs(usage.names, args, io.env);
  const dir = path.resolve(io.cwd, values.dir ?? ".");
  const stack = checkStackName(values.stack, "names: --stack");
  const files = readStackFiles(dir, stack);
  // The stack's settings give the project prefix and suffix; each line stands in for the branch.
  files.config[`${files.project}:branch`] = "main";
  files.config[`${files.project}:cicd`] = "false";
  const plan = planDeployment({
    project: files.project,
    stack,
    config: files.config,
    env: io.env,
    cwd: dir,
    gitBranch: () => undefined,
    stackFile: files.stackFile,
    allowOtherCheckout: true,
  });

  const input = await io.readStdin();
  const out: string[] = [];
  let failures = 0;
  for (const line of input.split(/\r?\n/)) {
    const branch = line.trim();
    if (branch === "") continue;
    try {
      const n = deploymentNames({ project: plan.project, branch, suffix: plan.settings.deployment_name_suffix });
      out.push(JSON.stringify({ branch, deploymentName: n.deploymentName, locationName: n.locationName, releaseName: n.releaseName }));
    } catch (err) {
      if (!isUserError(err)) throw err;
      // On the branch's own line, so the output still lines up with the input; the rest go on.
      failures += 1;
      out.push(JSON.stringify({ branch, error: err.message }));
    }
  }
  if (out.length > 0) io.stdout(`${out.join("\n")}\n`);
  if (failures > 0) io.stderr(`error: ${failures} branch(es) cannot be named; see their "error" lines\n`);
  return failures > 0 ? 1 : 0;
};
