// The HTTP edge of the gRPC errors: which status each google.rpc code gets, as
// C1's gateway maps them, and the JSON body (google.rpc.Status) every error answers.
import { ApiError, type CodeValue } from '../lib/errors.ts';

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

/**
 * An error the HTTP framework itself raises (body too large, unsupported media type)
 * that answers a status outside C1's table; services never throw it.
 */
export class HttpEdgeError extends ApiError {
  readonly httpStatus: number;
  constructor(code: CodeValue, message: string, httpStatus: number) {
    super(code, message);
    this.httpStatus = httpStatus;
  }
}

export function httpStatus(err: ApiError): number {
  return err instanceof HttpEdgeError ? err.httpStatus : (httpStatusOf[err.code] ?? 500);
}

export type Status = { code: number; message: string; details: unknown[] };

export function statusBody(err: ApiError): Status {
  return { code: err.code, message: err.message, details: [] };
}
