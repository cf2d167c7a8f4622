// gRPC-style errors: `{code, message, details}` with the HTTP status C1's gateway uses.
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

/** google.rpc.Status code → HTTP status, as C1's gateway maps them. */
export const httpStatusOf: Record<number, number> = {
  3: 400,
  9: 400,
  11: 400,
  16: 401,
  7: 403,
  5: 404,
  6: 409,
  10: 409,
  8: 429,
  12: 501,
  13: 500,
  14: 503,
};

export class ApiError extends Error {
  readonly code: CodeValue;
  readonly httpStatus: number;
  constructor(code: CodeValue, message: string, httpStatus?: number) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus ?? httpStatusOf[code] ?? 500;
  }
}

export const invalidArgument = (message: string) => new ApiError(Code.INVALID_ARGUMENT, message);
export const notFound = (what: string) => new ApiError(Code.NOT_FOUND, `${what} not found`);
export const alreadyExists = (message: string) => new ApiError(Code.ALREADY_EXISTS, message);
export const failedPrecondition = (message: string) => new ApiError(Code.FAILED_PRECONDITION, message);
export const permissionDenied = (message: string) => new ApiError(Code.PERMISSION_DENIED, message);
export const unauthenticated = (message = 'unauthenticated') => new ApiError(Code.UNAUTHENTICATED, message);

export type Status = { code: number; message: string; details: unknown[] };

export function statusBody(err: ApiError): Status {
  return { code: err.code, message: err.message, details: [] };
}

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
