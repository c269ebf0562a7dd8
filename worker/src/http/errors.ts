// ApiError and the JSON error body {"error":{"code","message"}} every response failure uses.
// Ports may throw ApiError to choose the status; anything else becomes a 500 that reveals nothing.
import type { Response } from 'express';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).type('application/json').send(JSON.stringify({ error: { code, message } }));
}

/** Maps body-parser and router failures (which carry `type`/`status`) to our vocabulary. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { type?: unknown; status?: unknown; statusCode?: unknown } | null;
  const type = typeof e?.type === 'string' ? e.type : '';
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new ApiError(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as UTF-8 JSON (Content-Type: application/json).');
  }
  if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'stream.encoding.set') {
    return new ApiError(400, 'BAD_REQUEST', 'The request body could not be read.');
  }
  if (status >= 400 && status < 500) return new ApiError(status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', 'The request is malformed.');
  return new ApiError(500, 'INTERNAL', 'The worker failed to handle the request; it has been logged.');
}
