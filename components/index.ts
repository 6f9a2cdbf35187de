// The package's public entry point: what a Dagster repository's own Pulumi program imports.
export { CodeLocation, type CodeLocationArgs } from "./codeLocation";
