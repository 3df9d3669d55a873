import type { Socket } from 'node:net';

/**
 * Node answers a request it cannot parse, or one whose headers or body take too long,
 * with its own plain-text 400/408/431 before our handler sees it. Every answer of
 * `serve` is JSON (docs/serve.md), so this 'clientError' handler writes the same
 * statuses with our error body and closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request-timeout', 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers-too-large', 'the request headers are too large']
        : [400, 'Bad Request', 'bad-request', `the request is not valid HTTP (${error.code ?? 'parse error'})`];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
