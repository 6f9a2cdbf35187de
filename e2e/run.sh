#!/usr/bin/env bash
# e2e/run.sh: with the README's own commands, deploy this repository's example code location as a
# branch stack on the e2e cluster (e2e/cluster.sh up), check through Dagster's GraphQL API that it
# loaded, push a change and check the new image is what runs, then destroy and check that the
# release, the workspace entry and the stack are gone. Needs pulumi, kubectl, helm, jq, docker.
set -euo pipefail
cd "$(dirname "$0")/.."

CONTEXT=kind-dcl-e2e
BRANCH="${E2E_BRANCH:-e2e-check}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-e2e}" # the local backend's secrets
export FOO=e2e # Pulumi.yaml's docker_env_vars takes FOO from the environment
step() { printf '\n== %s\n' "$*"; }
fail() { echo "e2e: $*" >&2; exit 1; }

step "environment stack e2e"
cp e2e/Pulumi.e2e.yaml Pulumi.e2e.yaml
pulumi login --local
pulumi stack select e2e --create --non-interactive # creates it on the first run, fails on anything else

step "deploy $BRANCH"
npm run -s stacks -- up --env e2e --branch "$BRANCH" --json > e2e-first.json || { cat e2e-first.json; fail "first up failed"; }
stack="$(jq -r .stack e2e-first.json)"
location="$(jq -r .location.name e2e-first.json)"
image1="$(jq -r .location.image e2e-first.json)"
release="$(pulumi stack output releaseName --stack "$stack")"

step "stacks status: release deployed, code server ready, loaded in Dagster"
npm run -s stacks -- status --env e2e --branch "$BRANCH" --json > e2e-status.json || { cat e2e-status.json; fail "status says the location is not serving"; }
jq -e '.release.status == "deployed" and (.codeServer | startswith("ready")) and .dagster.state == "loaded" and (.location.digest | startswith("sha256:"))' e2e-status.json >/dev/null \
  || { cat e2e-status.json; fail "status does not show a deployed, ready and loaded location"; }

kubectl --context "$CONTEXT" -n dagster port-forward svc/dagster-dagster-webserver 3000:80 >/dev/null &
forward=$!
trap 'kill "$forward" 2>/dev/null || true' EXIT
sleep 3
node e2e/check-location.mjs --url http://127.0.0.1:3000/graphql --location "$location" --expect loaded

step "push a change: a new image"
printf '\n# e2e change %s\n' "$(date +%s)" >> example/repo.py
npm run -s stacks -- up --env e2e --branch "$BRANCH" --json > e2e-second.json || { cat e2e-second.json; fail "second up failed"; }
image2="$(jq -r .location.image e2e-second.json)"
[ "$image2" != "$image1" ] || fail "the change did not give a new image ($image1)"
pinned="$image2@$(jq -r .location.digest e2e-second.json)" # the release pulls the tag pinned by digest
running="$(kubectl --context "$CONTEXT" -n dagster get deploy "$(jq -r .location.deploymentName e2e-second.json)" -o jsonpath='{.spec.template.spec.containers[0].image}')"
[ "$running" = "$pinned" ] || fail "the code server runs $running, not $pinned"
node e2e/check-location.mjs --url http://127.0.0.1:3000/graphql --location "$location" --expect loaded
git checkout -- example/repo.py

step "destroy"
npm run -s stacks -- destroy --env e2e --branch "$BRANCH" --yes --json > e2e-destroy.json || { cat e2e-destroy.json; fail "destroy failed"; }
if helm --kube-context "$CONTEXT" -n dagster status "$release" >/dev/null 2>&1; then fail "release $release is still there"; fi
kubectl --context "$CONTEXT" -n dagster get configmap dagster-workspace-yaml -o jsonpath='{.data.workspace\.yaml}' | grep -q "$location" && fail "the workspace still names $location"
pulumi stack ls --json | jq -e --arg s "$stack" 'map(select(.name == $s)) | length == 0' >/dev/null || fail "stack $stack is still there"
node e2e/check-location.mjs --url http://127.0.0.1:3000/graphql --location "$location" --expect absent
step "passed"
