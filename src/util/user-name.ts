import { userInfo } from 'node:os';

/** Who runs this command, for a halt reason or an audit actor; "someone" when the system cannot say. */
export function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'someone';
  }
}
