import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { checkBody } from '@gateway/http';
import type { Principal } from '../auth/principal';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, IdempotencyService } from './idempotency.service';

/**
 * Every authenticated `POST` sent with `Idempotency-Key` goes through IdempotencyService: run once, its answer kept
 * for 24 h, or the kept answer given again with `Idempotent-Replayed: true`. Runs after the auth guard (keys belong
 * to the caller's API key) and around the validation pipe and the handler.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { principal?: Principal }>();
    const key = request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.principal) return next.handle();

    // The body is hashed, so it must be one the pipe would accept at all (depth, storable strings) first.
    checkBody(request.body);
    const admission = await this.idempotency.admit(request.principal, key, {
      method: request.method,
      url: request.originalUrl,
      body: request.body as unknown,
    });
    const response = http.getResponse<Response>();
    if (!admission.run) {
      response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      response.status(admission.answer.status);
      return of(admission.answer.body === null ? undefined : (JSON.parse(admission.answer.body) as unknown));
    }
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        await admission.complete({ status, body: body === undefined ? null : JSON.stringify(body) });
        return body;
      }),
      catchError((err: unknown) => from(admission.release()).pipe(mergeMap(() => throwError(() => err)))),
    );
  }
}
