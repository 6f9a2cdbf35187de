import assert from "node:assert/strict";
import { isUserError, type UserError } from "../../lib/shared/errors";

/** Awaits a rejection that must be a UserError whose message holds every fragment and none of `absent`. */
export async function expectUserError(
  work: Promise<unknown>,
  fragments: readonly (string | RegExp)[],
  absent: readonly string[] = [],
): Promise<UserError> {
  let caught: unknown;
  try {
    await work;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, "expected a UserError, but it succeeded");
  assert.ok(isUserError(caught), `expected a UserError, got ${String((caught as Error)?.stack ?? caught)}`);
  for (const fragment of fragments) {
    if (typeof fragment === "string") assert.ok(caught.message.includes(fragment), `message lacks "${fragment}":\n${caught.message}`);
    else assert.match(caught.message, fragment);
  }
  for (const secret of absent) assert.ok(!caught.message.includes(secret), `message leaks "${secret}":\n${caught.message}`);
  assert.ok(!caught.message.includes("\n") || caught.problems.length > 1, "one line per problem");
  return caught;
}
