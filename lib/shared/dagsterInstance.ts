/** The Dagster chart's names for the instance this project registers code locations with. */
export const INSTANCE_DEFAULTS = {
  /** The workspace ConfigMap the webserver and daemon read (key `workspace.yaml`). */
  workspaceConfigMap: "dagster-workspace-yaml",
  webserverDeployment: "dagster-dagster-webserver",
  /** The webserver's Service (`<release>-dagster-webserver`) and port (`dagsterWebserver.service.port`). */
  webserverService: "dagster-dagster-webserver",
  webserverPort: 80,
  daemonDeployment: "dagster-daemon",
} as const;

/** The gRPC port every code server listens on, as in dagster-uc. */
export const CODE_SERVER_PORT = 3030;
