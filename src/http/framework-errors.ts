// Errors raised before any route runs (bad percent-encoding, over-long path
// params, unparsable HTTP) and database refusals of the input's bytes, answered in
// the same gRPC-style JSON as every other error instead of Fastify's or Node's own.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, Code, pgErrorCode } from '../lib/errors.ts';

/** Fastify's `frameworkErrors` option: FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  // The messages never echo the path: it may be huge or hold anything.
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'path: a path parameter is too long'
      : err.code === 'FST_ERR_BAD_URL'
        ? 'path: malformed percent-encoding'
        : 'request: malformed';
  reply.status(400).send({ code: Code.INVALID_ARGUMENT, message, details: [] });
}

/** Fastify's `clientErrorHandler` option: the HTTP parser refused the request (bad bytes, huge headers). */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request: headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request: timed out']
        : [400, 'request: malformed HTTP request'];
  const body = JSON.stringify({ code: Code.INVALID_ARGUMENT, message, details: [] });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * A database refusal caused by the bytes of the input (PostgreSQL text cannot hold
 * NUL), as a 400. Validation already names the field on routes with schemas; this
 * is the net for any text that reaches the database another way.
 */
export function inputRefusedByDatabase(err: unknown): ApiError | undefined {
  const code = pgErrorCode(err);
  if (code === '22021' || code === '22P05') {
    return new ApiError(Code.INVALID_ARGUMENT, 'request: text must be valid UTF-8 without NUL characters');
  }
  return undefined;
}
