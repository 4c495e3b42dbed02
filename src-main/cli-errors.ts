/** Bad input on the command line: exit code 2, the message names the argument and the fix. */
export class UsageError extends Error {}
