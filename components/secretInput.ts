import * as pulumi from "@pulumi/pulumi";

/** Wraps inputs as Pulumi secrets when `on` (their part of the args is secret); passes them through otherwise. */
export function secretIf(on: boolean | undefined): <T>(value: pulumi.Input<T>) => pulumi.Input<T> {
  // Our inputs are plain data, for which Unwrap<T> is T.
  return <T>(value: pulumi.Input<T>) => (on ? (pulumi.secret(value) as unknown as pulumi.Output<T>) : value);
}
