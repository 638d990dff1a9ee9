import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error';
import { CLIENT_CLOSED } from './error.filter';

/**
 * Reads the exact request bytes (signatures are computed over them), refusing anything over `limit` with 413 —
 * from Content-Length at once, or while streaming when the length is not declared or lies. Takes Node's own request
 * (Express's request is one; Fastify's is `request.raw`).
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  // Not read further: the 413 closes the connection (ErrorFilter), so a client cannot make us read gigabytes.
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The request body exceeds ${limit} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The client closed the connection (or Node did, at the request timeout) before the body was complete.
    throw new ApiError(
      499,
      CLIENT_CLOSED,
      `The client closed the connection before the body was complete (${size} bytes read).`,
    );
  }
  return Buffer.concat(chunks, size);
}
