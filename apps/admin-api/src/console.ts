import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import express, { Response } from 'express';

/**
 * The console talks only to this API, from this origin; nothing inline; framed only by the origins the operator
 * allows (GATEWAY_CONSOLE_FRAME_ANCESTORS: partners embedding portal links), else never.
 */
export function consoleContentSecurityPolicy(frameAncestors = ''): string {
  const ancestors = frameAncestors.trim().split(/\s+/).filter(Boolean);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `frame-ancestors ${ancestors.length ? ancestors.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The web console (apps/console, built into dist/console) under /console: static files only, public like any web
 * page — every piece of data it shows comes from the API, with the key the user signs in with.
 */
export function serveConsole(
  app: INestApplication,
  frameAncestors = '',
  dir = join(__dirname, '../../../console'),
): void {
  const policy = consoleContentSecurityPolicy(frameAncestors);
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Console').warn(`the console is not built (${dir}): /console is not served`);
    return;
  }
  app.use(
    '/console',
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res: Response, path: string) => {
        res.setHeader('content-security-policy', policy);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
        // Bundles carry a content hash in their names: cache them for good; index.html always revalidates.
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
}
