// What Kubernetes accepts, checked before anything reaches the API server.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
// resource.Quantity: a decimal number, then a binary SI suffix, a decimal SI suffix or an exponent.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS1035_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every((part) => DNS1123_LABEL.test(part));
}

/** Label and annotation keys: an optional DNS subdomain prefix, then a name of at most 63 characters. */
export function isQualifiedName(value: string): boolean {
  const slash = value.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : value.slice(0, slash);
  const name = slash === -1 ? value : value.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

export function isEnvVarName(value: string): boolean {
  return ENV_VAR_NAME.test(value);
}

/** A key of a Secret's or ConfigMap's data (`[-._a-zA-Z0-9]+`, at most 253 characters). */
export function isConfigMapKey(value: string): boolean {
  return value.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(value) && value !== "." && value !== "..";
}

/** The pod fields the downward API gives an environment variable (`fieldRef.fieldPath`). */
export function isPodFieldPath(value: string): boolean {
  if (/^metadata\.(name|namespace|uid)$|^spec\.(nodeName|serviceAccountName)$|^status\.(hostIP|hostIPs|podIP|podIPs)$/.test(value)) return true;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(value);
  return keyed !== null && isQualifiedName(keyed[2] ?? "");
}

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The number a valid quantity stands for (`150m` → 0.15, `1Gi` → 2^30), to compare two of them. */
export function quantityValue(value: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(value);
  if (!match) return Number.NaN;
  const [, number = "", suffix = ""] = match;
  const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
  const factor = exponent ? 10 ** Number(exponent[1]) : QUANTITY_SUFFIX[suffix];
  return factor === undefined ? Number.NaN : Number(number) * factor;
}
