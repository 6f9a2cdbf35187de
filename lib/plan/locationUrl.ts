/** The location's page in the Dagster UI: where a user sees its assets and its load error. */
export function locationPageUrl(dagsterUiUrl: string, locationName: string): string {
  return `${dagsterUiUrl.replace(/\/+$/, "")}/locations/${locationName}/assets`;
}
