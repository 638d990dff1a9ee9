import { IsInt, Max, Min } from 'class-validator';
import { EncryptionConfig, ToNumber } from '@gateway/config';

export class QerkoBridgeConfig extends EncryptionConfig {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  QERKO_BRIDGE_PORT = 3003;

  /** How long a Qerko webhook request waits for the POS's answer before it is answered 202 (async). */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(14_000)
  QERKO_SYNC_BUDGET_MS = 3000;
}
