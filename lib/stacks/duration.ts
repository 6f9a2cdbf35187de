import { UserError } from "../shared/errors";

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `90m`, `12h`, `7d`, `2w` → milliseconds; anything else is a user error naming the flag. */
export function parseDuration(text: string, flag = "--older-than"): number {
  const match = /^\s*(\d+)\s*([mhdw])\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase();
  const ms = unit === undefined ? undefined : UNIT_MS[unit];
  if (!match || ms === undefined || Number(match[1]) === 0) {
    throw new UserError(`${flag}: expected a duration such as 12h, 7d or 2w, got "${text}"`);
  }
  return Number(match[1]) * ms;
}
