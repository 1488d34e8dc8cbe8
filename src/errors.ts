// What can go wrong that is the user's to fix, as opposed to a bug. A user error carries a `kind`
// that survives the service's worker boundary (toWire / fromWire: a kind and a message, never a
// class name); the CLI prints its message and exits 2. Anything else is a bug: the CLI prints the
// stack and exits 70 (EX_SOFTWARE, sysexits.h). Problems in entries are neither: they are
// diagnostics (core/diagnostics.ts), collected, never thrown.

export const USER_ERROR_KINDS = {
  'lock-busy': 'another builder holds the output folder and did not let go in time',
  aborted: 'the build was abandoned (shutdown) before it published anything',
  'entries-folder': 'the entries folder cannot be listed',
  'output-folder': 'the output folder may not be built into (not ours, nested with the entries, not a folder)',
  write: 'a run failed part-way through writing the output folder (the message says what was put back)',
  publish: 'publishing to object storage failed: configuration, credentials, network, or another publisher',
} as const;

export type UserErrorKind = keyof typeof USER_ERROR_KINDS;

export class UserError extends Error {
  constructor(
    readonly kind: UserErrorKind,
    message: string,
    /** What to do about it, when there is something to say (the CLI prints it as `hint:`). */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown, kind?: UserErrorKind): error is UserError {
  return error instanceof UserError && (kind === undefined || error.kind === kind);
}

/** A build stopped on request (shutdown) before it published anything. */
export function buildAborted(): UserError {
  return new UserError('aborted', 'the build was abandoned before publishing; the previous outputs are unchanged');
}

/** An error as it crosses to another thread: a user error's kind and message; a bug's message and stack. */
export interface WireError {
  readonly kind?: UserErrorKind;
  readonly message: string;
  readonly hint?: string;
  readonly stack?: string;
  /** A file-system error's errno code and the path in its way (a rename names it in `dest`): the service explains a failed run from them. */
  readonly code?: string;
  readonly path?: string;
}

export function toWire(error: unknown): WireError {
  if (error instanceof UserError) return { kind: error.kind, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  const e = error as (NodeJS.ErrnoException & { dest?: unknown }) | undefined;
  const target = e?.dest ?? e?.path;
  const errno = typeof e?.code === 'string' ? { code: e.code, ...(typeof target === 'string' ? { path: target } : {}) } : {};
  return { message: e?.message ?? String(error), ...(e?.stack ? { stack: e.stack } : {}), ...errno };
}

export function fromWire(wire: WireError): Error {
  if (wire.kind !== undefined && wire.kind in USER_ERROR_KINDS) return new UserError(wire.kind, wire.message, wire.hint);
  const error: NodeJS.ErrnoException = new Error(wire.message);
  if (wire.stack) error.stack = wire.stack;
  if (wire.code !== undefined) error.code = wire.code;
  if (wire.path !== undefined) error.path = wire.path;
  return error;
}
