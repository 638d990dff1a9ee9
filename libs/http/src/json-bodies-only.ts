import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

/** `application/json` or a `+json` type (`application/merge-patch+json`), any parameters. */
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/**
 * Express middleware for JSON APIs: a request that carries a body in anything but JSON is 415 `unsupported_media_type`
 * (the JSON parser would skip it, and validation then complain of every missing field). `except` names paths that
 * read their bodies themselves (a provider's webhook, with its own rules).
 */
export function jsonBodiesOnly(except?: RegExp) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || except?.test(req.path)) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (JSON_TYPE.test(type)) return next();
    const error = new ApiError(
      415,
      'unsupported_media_type',
      `The request body must be JSON (Content-Type: application/json), not ${type ? `"${type.slice(0, 100)}"` : 'untyped'}.`,
    );
    res.status(415).setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(error.toBody()));
  };
}
