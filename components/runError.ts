import * as pulumi from "@pulumi/pulumi";
import { isUserError } from "../lib/shared/errors";

/** A RunError is shown without a stack trace: a user error's message already says what to fix. */
export function asRunError(err: unknown): never {
  if (!isUserError(err)) throw err;
  const runError = new pulumi.RunError(err.message);
  // Pulumi's runner still formats the error's stack for its trace span (util.inspect); from inside
  // an Output that stack can take it tens of seconds. The message is all there is to say.
  runError.stack = `RunError: ${err.message}`;
  throw runError;
}
