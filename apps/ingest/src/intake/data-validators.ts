import { FieldError, compiledCheck } from '@gateway/contracts';
import { validateAgainst, validateEnvelope } from './validate-dto';

/**
 * Validates a provider's `data` against its DTO class, with class-validator's verdict and messages, fast: the DTO's
 * compiled check (compiledCheck) decides what is valid, and only what it refuses goes through class-validator, which
 * names each problem. So the accepted set is class-validator's, and so is every 400 (data-validators.spec.ts holds the
 * compiled form to it over the seed examples and systematic mutations). A DTO not marked CompiledRules, or one no
 * schema can state exactly, keeps class-validator alone.
 */
export class DataValidators {
  validate(cls: new () => object, data: Record<string, unknown>, prefix: string): FieldError[] {
    if (compiledCheck(cls)?.(data)) return [];
    return validateAgainst(cls, data, prefix);
  }

  /**
   * A provider's envelope (`{event, data, …}`, rules on its own top-level fields only) the same way: compiled, and
   * what that refuses named by class-validator through validateEnvelope, which does not copy the payload. On
   * class-validator alone, the envelope was an eighth of what an accepted request allocated.
   */
  envelope(cls: new () => object, body: Record<string, unknown>): FieldError[] {
    if (compiledCheck(cls)?.(body)) return [];
    return validateEnvelope(cls, body);
  }
}
