// gRPC-style errors shared by every layer: a google.rpc code and a message. The HTTP
// status is chosen once, at the edge (src/http/status.ts).
export const Code = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type CodeValue = (typeof Code)[keyof typeof Code];

export class ApiError extends Error {
  readonly code: CodeValue;
  constructor(code: CodeValue, message: string) {
    super(message);
    this.code = code;
  }
}

export const invalidArgument = (message: string) => new ApiError(Code.INVALID_ARGUMENT, message);
export const notFound = (what: string) => new ApiError(Code.NOT_FOUND, `${what} not found`);
export const alreadyExists = (message: string) => new ApiError(Code.ALREADY_EXISTS, message);
export const failedPrecondition = (message: string) => new ApiError(Code.FAILED_PRECONDITION, message);
export const permissionDenied = (message: string) => new ApiError(Code.PERMISSION_DENIED, message);
export const unauthenticated = (message = 'unauthenticated') => new ApiError(Code.UNAUTHENTICATED, message);

/** PostgreSQL error codes worth translating into API errors. */
export function pgErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // Drizzle wraps driver errors in `cause`.
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs a delete that a NO ACTION foreign key may refuse (23503: something still refers to the
 * row, e.g. a grant written after the check before it); that is FAILED_PRECONDITION, not an error.
 */
export async function refusedByReference<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (pgErrorCode(err) === '23503') throw failedPrecondition(message);
    throw err;
  }
}
