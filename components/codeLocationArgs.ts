import * as pulumi from "@pulumi/pulumi";
import { chartSource } from "../lib/chart/source";
import { imageRepositoryPath } from "../lib/plan/imageName";
import type { DeploymentPlan } from "../lib/plan/plan";
import { isSecretSetting } from "../lib/plan/secrets";
import type { CodeLocationArgs, SecretArgs } from "./codeLocation";
import type { RegistryCredentials } from "./registryAuth";

/**
 * The component's args for a planned stack: what the stack's config means, in the component's
 * terms. Pure: the same plan gives the same args (the registry password wrapped as a secret).
 */
export function codeLocationArgs(plan: DeploymentPlan): CodeLocationArgs {
  const { settings, names } = plan;
  const { docker, kubernetes: k8s, instance } = settings;
  const repository = imageRepositoryPath(settings, names);
  return {
    names,
    dagsterVersion: settings.dagster_version,
    kubernetes: { context: k8s.context, namespace: k8s.namespace, createNamespace: settings.helm.create_new_namespace },
    registry: { address: plan.registry, credentials: registryCredentials(plan), timeoutSeconds: docker.registry_timeout_seconds },
    image: docker.image_tag
      ? { repository, existingTag: docker.image_tag }
      : {
          repository,
          build: {
            context: plan.repositoryRoot,
            dockerfile: docker.dockerfile,
            args: {
              BRANCH_NAME: names.branchPart,
              ...Object.fromEntries(plan.imageEnv.vars.map((v) => [v.name, v.secret ? pulumi.secret(v.value) : v.value])),
            },
            imageEnv: plan.imageEnv.vars.map((v) => v.name),
            platform: docker.platform,
            mediaTypes: docker.build_format,
            builder: docker.builder,
          },
        },
    chart: { source: chartSource(settings, plan.registry), disableOpenapiValidation: settings.helm.disable_openapi_validation },
    codeServer: {
      codePath: joinPath(docker.docker_root, settings.code_path),
      pullPolicy: k8s.pull_policy,
      env: k8s.user_code_deployment_env.map((v) => (v.valueFrom !== undefined ? { name: v.name, valueFrom: v.valueFrom } : { name: v.name, value: v.value ?? "" })),
      envSecrets: k8s.user_code_deployment_env_secrets.map((s) => s.name),
      node: k8s.node,
      limits: k8s.limits,
      requests: k8s.requests,
      imagePullSecrets: k8s.image_pull_secrets.map((s) => s.name),
      podLabels: k8s.pod_labels,
      serviceAccountAnnotations: k8s.service_account_annotations,
      chartOverrides: settings.chart,
    },
    instance: {
      workspaceConfigMap: instance.workspace_yaml_configmap_name,
      webserverDeployment: instance.webserver_deployment,
      daemonDeployment: instance.daemon_deployment,
      reload: instance.reload,
      webserverService: instance.webserver_service,
      webserverPort: instance.webserver_port,
      reloadTimeoutSeconds: instance.reload_timeout_seconds,
      checkDagsterVersion: instance.check_dagster_version,
      adoptUnownedEntry: instance.adopt_unowned_entry,
    },
    dagsterUiUrl: settings.dagster_gui_url,
    secrets: secretArgs(plan),
  };
}

/**
 * Which parts of the args come from secrets. A key set with --secret makes all it feeds secret
 * (Pulumi secures whole top-level keys); a `${NAME}` value makes secret what the code sees of it
 * (the release's values); `docker_env_vars` secrets are per build arg, in `build.args`.
 */
function secretArgs({ secrets }: DeploymentPlan): SecretArgs {
  const keys = (...names: string[]) => names.some((name) => secrets.keys.has(name));
  const secret = (...paths: string[][]) => paths.some((path) => isSecretSetting(secrets, path));
  return {
    kubernetes: keys("kubernetes"),
    codeServer:
      keys("kubernetes", "chart", "code_path", "docker") ||
      secret(["chart"], ["kubernetes", "user_code_deployment_env"], ["kubernetes", "service_account_annotations"], ["kubernetes", "pod_labels"]),
    image: keys("docker"),
    build: keys("docker", "repository_root"),
    chart: keys("docker", "helm", "use_latest_chart_version"),
    instance: keys("instance"),
    dagsterUiUrl: keys("dagster_gui_url"),
  };
}

/** Azure login, else a user with the secret `registry_password`, else none. */
function registryCredentials({ settings }: DeploymentPlan): RegistryCredentials | undefined {
  if (settings.docker.use_az_login) return { azure: true };
  const { username } = settings.docker;
  const password = settings.registry_password;
  return username !== undefined && password !== undefined ? { username, password: pulumi.secret(password) } : undefined;
}

/** `os.path.join(docker_root, code_path)`, as dagster-uc built the `-f` argument. */
export function joinPath(root: string, file: string): string {
  if (file.startsWith("/") || root === "") return file;
  return root.endsWith("/") ? `${root}${file}` : `${root}/${file}`;
}
