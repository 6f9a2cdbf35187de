#!/usr/bin/env bash
# e2e/cluster.sh up|down: a kind cluster `dcl-e2e` and a registry on localhost:5001 that its nodes
# pull from (kind's local-registry setup), then Dagster's main chart with the workspace in a
# ConfigMap of its own. Needs docker, kind, kubectl and helm on PATH.
set -euo pipefail

CLUSTER=dcl-e2e
REGISTRY=kind-registry
DAGSTER_VERSION="${DAGSTER_VERSION:-1.11.16}"
here="$(cd "$(dirname "$0")" && pwd)"

up() {
  if [ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY" 2>/dev/null || true)" != true ]; then
    docker run -d --restart=always -p 127.0.0.1:5001:5000 --network bridge --name "$REGISTRY" registry:2
  fi
  kind create cluster --name "$CLUSTER" --wait 120s --config - <<YAML
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
YAML
  # Nodes resolve localhost:5001 to the registry container.
  for node in $(kind get nodes --name "$CLUSTER"); do
    docker exec "$node" mkdir -p /etc/containerd/certs.d/localhost:5001
    printf '[host."http://%s:5000"]\n' "$REGISTRY" | docker exec -i "$node" cp /dev/stdin /etc/containerd/certs.d/localhost:5001/hosts.toml
  done
  docker network connect kind "$REGISTRY" 2>/dev/null || true

  kubectl --context "kind-$CLUSTER" create namespace dagster
  kubectl --context "kind-$CLUSTER" apply -f "$here/postgres.yaml"
  kubectl --context "kind-$CLUSTER" -n dagster rollout status deploy/postgres --timeout 180s
  # The ConfigMap the webserver and daemon read; this project adds and removes its entries.
  kubectl --context "kind-$CLUSTER" -n dagster create configmap dagster-workspace-yaml --from-literal=workspace.yaml='load_from: []'
  # The secret Pulumi.yaml's defaults name in kubernetes.user_code_deployment_env_secrets.
  kubectl --context "kind-$CLUSTER" -n dagster create secret generic dagster-storage-secret --from-literal=E2E=1
  helm repo add dagster https://dagster-io.github.io/helm --force-update
  helm --kube-context "kind-$CLUSTER" install dagster dagster/dagster --namespace dagster --version "$DAGSTER_VERSION" \
    -f "$here/dagster-values.yaml" --wait --timeout 10m
  # The code locations' chart, where Pulumi.yaml's container_registry_chart_path says it is.
  helm pull dagster/dagster-user-deployments --version "$DAGSTER_VERSION" --destination "$RUNNER_TEMP_DIR"
  helm push "$RUNNER_TEMP_DIR/dagster-user-deployments-$DAGSTER_VERSION.tgz" oci://localhost:5001/helm/dagster --plain-http
}

down() {
  kind delete cluster --name "$CLUSTER" || true
  docker rm -f "$REGISTRY" || true
}

RUNNER_TEMP_DIR="${RUNNER_TEMP:-$(mktemp -d)}"
case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: e2e/cluster.sh up|down" >&2; exit 2 ;;
esac
