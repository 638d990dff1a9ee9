import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error';

/**
 * Reads the exact request bytes (signatures are computed over them), refusing anything over `limit` with 413 —
 * from Content-Length at once, or while streaming when the length is not declared or lies. Takes Node's own request
 * (Express's request is one; Fastify's is `request.raw`).
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The request body exceeds ${limit} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // discard, so the connection can answer and be reused
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
