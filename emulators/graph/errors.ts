// Graph error vocabulary: every failure leaves the emulator as
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
// Handlers throw GraphError; the server turns it into that shape.

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'The specified object was not found in the store.') =>
  new GraphError(404, 'ErrorItemNotFound', what);
export const badRequest = (message: string, code = 'ErrorInvalidRequest') => new GraphError(400, code, message);
export const conflict = (message: string, code = 'ErrorFolderExists') => new GraphError(409, code, message);
export const preconditionFailed = () =>
  new GraphError(412, 'ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
export const throttled = (message: string, retryAfterSeconds: number) =>
  new GraphError(429, 'ApplicationThrottled', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

export function errorBody(code: string, message: string, requestId: string, clientRequestId: string | undefined, now: number) {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date(now).toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': requestId,
        'client-request-id': clientRequestId ?? requestId,
      },
    },
  };
}
