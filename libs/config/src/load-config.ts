import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads a config class from the environment once, at boot. Property names ARE the environment variable names, so
 * every message names the variable to fix. Unknown variables are ignored; missing or bad ones stop the process.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls();
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as Array<keyof T & string>) {
    const value = env[key];
    raw[key] = value === undefined || value === '' ? defaults[key] : value;
  }
  const instance = plainToInstance(cls, raw, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length) {
    throw new ConfigError(`Invalid configuration:\n${errors.map(describe).join('\n')}`);
  }
  return instance;
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `  - ${error.property}: ${reasons || 'invalid'}`;
}

/** For main.ts: a bad configuration ends the process with the message naming each variable, before anything starts. */
export function loadConfigOrExit<T extends object>(cls: new () => T, service: string): T {
  try {
    return loadConfig(cls);
  } catch (err) {
    process.stderr.write(`[${service}] ${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
