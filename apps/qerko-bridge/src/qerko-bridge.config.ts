import { IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';
import { DataRetentionConfig, ToNumber } from '@gateway/config';
import { QERKO_METHODS, QerkoMethod } from '@gateway/contracts';

/** Qerko's API base URL is set per source by tenants, so posting to it goes through the SSRF guard too. */
export class QerkoBridgeConfig extends DataRetentionConfig {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  QERKO_BRIDGE_PORT = 3003;

  /** See BaseServiceConfig. */
  override METRICS_PORT = 9303;

  /**
   * Where the bridge LISTENs for stored answers (AnswerSignals): a session of its own, so not through a PgBouncer in
   * transaction mode. Empty: DATABASE_URL.
   */
  @ValidateIf((config: QerkoBridgeConfig) => config.QERKO_LISTEN_DATABASE_URL !== '')
  @Matches(/^postgres(ql)?:\/\//, { message: 'QERKO_LISTEN_DATABASE_URL must be a postgres:// URL (or empty)' })
  QERKO_LISTEN_DATABASE_URL = '';

  /** How long Qerko's webhook request waits for the POS's answer before it is answered 202 (async). */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(14_000)
  QERKO_SYNC_BUDGET_MS = 3000;

  /** Per-method budgets, e.g. `paymentStart=5000,getBill=2000`. */
  @Matches(new RegExp(`^((${QERKO_METHODS.join('|')})=\\d{3,5})?(,(${QERKO_METHODS.join('|')})=\\d{3,5})*$`), {
    message: 'QERKO_SYNC_BUDGET_OVERRIDES must look like paymentStart=5000,getBill=2000',
  })
  QERKO_SYNC_BUDGET_OVERRIDES = '';

  /** Qerko treats a request as stale this long after sending it. */
  @ToNumber()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  QERKO_STALE_AFTER_MS = 15_000;

  /** Timeout of one POST to Qerko's /reply. */
  @ToNumber()
  @IsInt()
  @Min(100)
  QERKO_REPLY_TIMEOUT_MS = 3000;

  /** How often the reply worker looks for answers to post to Qerko's /reply. */
  @ToNumber()
  @IsInt()
  @Min(10)
  QERKO_REPLY_POLL_MS = 100;

  /** Full reload of the Qerko source cache, beside the change stream. */
  @ToNumber()
  @IsInt()
  @Min(1)
  SOURCE_RESYNC_SECONDS = 60;

  syncBudgetFor(method: QerkoMethod): number {
    for (const pair of this.QERKO_SYNC_BUDGET_OVERRIDES.split(',').filter(Boolean)) {
      const [name, ms] = pair.split('=');
      if (name === method) return Number(ms);
    }
    return this.QERKO_SYNC_BUDGET_MS;
  }
}
