// Socket-level failure codes (Node and undici) that mean "the request may not have reached the
// service, or its answer was lost": both connectors treat them as temporary and retry later.
export const NETWORK_ERROR_CODES: readonly string[] = [
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
];

// The code of a request the connector's own timeout cut short: like the socket codes above it
// is temporary, and the write it carried may have been applied.
export const REQUEST_TIMEOUT_CODE = 'TIMEOUT';
