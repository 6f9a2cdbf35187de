import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeLocationArgs } from "../components/codeLocationArgs";
import { readStackFiles } from "../lib/config/stackFiles";
import { planDeployment } from "../lib/plan/plan";
import { REPO_ROOT } from "./support/repo";

// Which parts of the component's args a planned stack marks secret: the mapping from config keys
// set with --secret, and values from the environment, to what the component keeps secret.
const P = "dagster-code-locations";

function plan(edit: (config: Record<string, string>) => void, secretKeys: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const files = readStackFiles(REPO_ROOT, "dev");
  edit(files.config);
  return planDeployment({ project: P, stack: "dev", config: files.config, env: { FOO: "x", ...env }, cwd: REPO_ROOT, gitBranch: () => "main", secretKeys });
}

const withKubernetes = (extra: Record<string, unknown>) => (config: Record<string, string>) => {
  config[`${P}:kubernetes`] = JSON.stringify({ ...JSON.parse(config[`${P}:kubernetes`] ?? "{}"), ...extra });
};

describe("secret parts of the component's args", () => {
  it("marks nothing secret for a stack without secrets", () => {
    const { secrets } = codeLocationArgs(plan(() => {}));
    assert.deepEqual(Object.entries(secrets ?? {}).filter(([, on]) => on), []);
  });

  it("makes the release's values secret for a code-server env value from the environment, and nothing else", () => {
    const planned = plan(withKubernetes({ user_code_deployment_env: [{ name: "API_KEY", value: "${API_KEY}" }] }), [], { API_KEY: "k" });
    const { secrets } = codeLocationArgs(planned);
    assert.deepEqual(Object.entries(secrets ?? {}).filter(([, on]) => on).map(([part]) => part), ["codeServer"]);
  });

  it("keeps a kube context from the environment readable: it only says where to deploy", () => {
    const { secrets } = codeLocationArgs(plan(withKubernetes({ context: "${KUBE_CONTEXT}" }), [], { KUBE_CONTEXT: "aks-dev" }));
    assert.deepEqual(Object.entries(secrets ?? {}).filter(([, on]) => on), []);
  });

  it("marks everything a secret key feeds: docker → image name, build, chart and values", () => {
    const { secrets } = codeLocationArgs(plan(() => {}, [`${P}:docker`]));
    assert.deepEqual(secrets, { kubernetes: false, codeServer: true, image: true, build: true, chart: true, instance: false, dagsterUiUrl: false });
  });

  it("makes each KEY=${NAME} entry a secret build arg, a literal one not", () => {
    const planned = plan((config) => {
      config[`${P}:docker`] = JSON.stringify({ ...JSON.parse(config[`${P}:docker`] ?? "{}"), docker_env_vars: ["A=${TOKEN}", "B=literal", "C=$${NOT_A_VARIABLE}"] });
    }, [], { TOKEN: "t" });
    assert.deepEqual(planned.imageEnv.vars.map((v) => [v.name, v.value, v.secret]), [["A", "t", true], ["B", "literal", false], ["C", "${NOT_A_VARIABLE}", false]]);
  });
});
