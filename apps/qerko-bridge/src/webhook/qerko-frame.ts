import { createHmac } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { QerkoRequestFrame, qerkoArgProblems } from '@gateway/contracts';
import { ApiError, parseJsonObject, toFieldErrors } from '@gateway/http';
import { constantTimeEqual } from '@gateway/security';

/**
 * Everything that depends on our assumption about Qerko's v4 webhook format lives here: the signature
 * (`Signature-SHA256`: HMAC-SHA256 of the raw body keyed with the Qerko API key, hex or base64), the request frame,
 * its timing, and the response frame. When Qerko publishes the schema, this file changes, not the bridge.
 */
export function verifyQerkoSignature(apiKey: string, body: Buffer, header: string): boolean {
  const mac = createHmac('sha256', apiKey).update(body).digest();
  const given = header.trim();
  if (given.length > 200) return false;
  // Hex compares case-insensitively; base64 exactly. Both comparisons always run (no early exit on the format).
  const hexOk = constantTimeEqual(given.toLowerCase(), mac.toString('hex'));
  const base64Ok = constantTimeEqual(given, mac.toString('base64'));
  return hexOk || base64Ok;
}

export function parseQerkoRequest(body: Buffer): QerkoRequestFrame {
  const json = parseJsonObject(body);
  const frame = plainToInstance(QerkoRequestFrame, json);
  const problems = toFieldErrors(validateSync(frame, { forbidUnknownValues: false }));
  if (!problems.length) problems.push(...qerkoArgProblems(frame.method, json['args']));
  if (problems.length) throw ApiError.validation(problems);
  return frame;
}

/** 410 when the request carries a timing and it is not valid now (Qerko's convention for the POS). */
export function checkTiming(frame: QerkoRequestFrame, nowSeconds = Date.now() / 1000): void {
  const skew = 60;
  if (frame.created !== undefined && frame.created > nowSeconds + skew) {
    throw new ApiError(410, 'request_expired', 'The request was created in the future.');
  }
  if (frame.expires !== undefined && frame.expires < nowSeconds) {
    throw new ApiError(410, 'request_expired', 'The request has expired.');
  }
}

export function responseFrame(uuid: string, answer: Record<string, unknown>): Record<string, unknown> {
  return { type: 'method-call-response', uuid, ...answer };
}
