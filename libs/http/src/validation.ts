import { ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { FieldError } from '@gateway/contracts';
import { ApiError } from './api-error';

/** Flattens class-validator errors into `{field, reason}` with full paths (`data.items[0].quantity`). */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const segment = /^\d+$/.test(error.property)
      ? `[${error.property}]`
      : prefix
        ? `.${error.property}`
        : error.property;
    const path = `${prefix}${segment}`;
    for (const reason of Object.values(error.constraints ?? {})) {
      out.push({
        field: path,
        reason: reason.replace(/^(\S+) /, (_, name: string) => (name === error.property ? '' : `${name} `)),
      });
    }
    if (error.children?.length) out.push(...toFieldErrors(error.children, path));
  }
  return out;
}

/** The global pipe for HTTP bodies and queries: strips nothing silently, refuses unknown fields, names each problem. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ApiError.validation(toFieldErrors(errors)),
  });
}
