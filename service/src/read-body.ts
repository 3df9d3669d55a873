import type { IncomingMessage } from 'node:http';

/** A request the service refuses before evaluating anything: the status and a JSON error. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Reads a JSON body of at most `maxBytes`. A declared Content-Length over the limit
 * is refused before reading; a body that grows past it is cut off (413). Invalid
 * JSON is a 400 that says where.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return readJsonBodyText(req, maxBytes).then((body) => body.value);
}

/** The body parsed, with the text it was parsed from (the decision log keeps that text as the context's JSON). */
export function readJsonBodyText(req: IncomingMessage, maxBytes: number): Promise<{ value: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    readJsonBodyInto(req, maxBytes, { body: (value, text) => resolve({ value, text }), bodyFailed: reject });
  });
}

/** Who hears how reading a body went (exactly one of the two, once). */
export interface BodyReceiver {
  body(value: unknown, text: string): void;
  bodyFailed(error: HttpError): void;
}

/**
 * readJsonBodyText without a promise, for the evaluation path (issue 16): the request's
 * own object hears the outcome, so a request costs no promise or microtask here.
 */
export function readJsonBodyInto(req: IncomingMessage, maxBytes: number, receiver: BodyReceiver): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    receiver.bodyFailed(new HttpError(413, 'body-too-large', `the request body is ${declared} bytes; the limit is ${maxBytes} (--max-body)`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > maxBytes) {
      failed = true;
      receiver.bodyFailed(new HttpError(413, 'body-too-large', `the request body is larger than the ${maxBytes}-byte limit (--max-body)`));
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', (error) => {
    if (!failed) receiver.bodyFailed(new HttpError(400, 'bad-request', `could not read the request body: ${error.message}`));
    failed = true;
  });
  req.on('end', () => {
    if (failed) return;
    failed = true; // settled: nothing after this is reported
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') {
      receiver.bodyFailed(new HttpError(400, 'invalid-json', 'the request body is empty; send the context as a JSON object'));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      receiver.bodyFailed(new HttpError(400, 'invalid-json', `the request body is not valid JSON: ${(error as Error).message}`));
      return;
    }
    receiver.body(value, text);
  });
}
