/**
 * A problem the user can fix (bad config, bad argument, unreachable registry). Its message is
 * shown as is, one line per problem, without a stack trace.
 */
export class UserError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : [...problems];
    super(list.join("\n"));
    // Set again: in a dynamic provider, Pulumi's closure serializer turns super() into Error.call(),
    // which leaves `message` unset.
    this.message = list.join("\n");
    this.name = "UserError";
    this.problems = list;
  }
}

export function isUserError(err: unknown): err is UserError {
  // By name too: a dynamic provider's serialized copy of the class is another class.
  return (err instanceof UserError || (err instanceof Error && err.name === "UserError")) && Array.isArray((err as UserError).problems);
}
