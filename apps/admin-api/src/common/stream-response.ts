import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';

const logger = new Logger('StreamResponse');

/**
 * Writes a streamed answer (the CSV export) with backpressure, and never leaves it hanging:
 * - the first chunk is produced before anything is sent (headers included), so an error there propagates to the
 *   caller and is answered in the one error shape with its status;
 * - an error after bytes were sent cannot change the status any more: the response is ended abruptly, without the
 *   final chunk, so every HTTP client reports the transfer as incomplete rather than taking a cut-short file as whole;
 * - a client that goes away stops the production (the generator is closed, releasing what it holds).
 */
export async function streamResponse(
  res: ServerResponse,
  headers: Record<string, string>,
  chunks: AsyncIterable<string>,
): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next = await iterator.next();
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  try {
    while (!next.done) {
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
      if (!res.write(next.value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      next = await iterator.next();
    }
    res.end();
  } catch (err) {
    logger.error(`a streamed response failed after it started, and was cut short: ${(err as Error).message}`);
    res.destroy(err as Error);
  }
}
