import { IsInt, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
import { DeliveryPolicyConfig, ToNumber } from '@gateway/config';

export class AdminApiConfig extends DeliveryPolicyConfig {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  ADMIN_API_PORT = 3000;

  /** The bootstrap operator key: manages tenants and any tenant's API keys. */
  @IsString()
  @MinLength(24, { message: 'GATEWAY_OPERATOR_KEY must be at least 24 characters' })
  GATEWAY_OPERATOR_KEY = '';

  /** Public base URL of the ingest service, used to build each source's `ingestUrl`. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GATEWAY_PUBLIC_INGEST_URL = 'http://localhost:3001';

  /** Public base URL of this API: the OpenAPI document's server, which generated clients call by default. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GATEWAY_PUBLIC_ADMIN_URL = 'http://localhost:3000';

  /**
   * Origins allowed to frame the console (a partner embedding portal links in its product), space-separated, e.g.
   * `https://app.partner.example https://*.partner.example`; empty: none may (the console is never framed).
   */
  @Matches(/^(\s*https:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?\s*)*$/, {
    message: 'GATEWAY_CONSOLE_FRAME_ANCESTORS must be space-separated https:// origins (https://*.example.com allowed)',
  })
  GATEWAY_CONSOLE_FRAME_ANCESTORS = '';

  /** Public base URL of the Qerko bridge, used to build Qerko sources' `ingestUrl`. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  GATEWAY_PUBLIC_QERKO_URL = 'http://localhost:3003';

  /** Sustained requests per second per API key (burst: twice as many); beyond it, 429 with Retry-After. */
  @ToNumber()
  @IsInt()
  @Min(1)
  ADMIN_API_RATE_LIMIT_PER_KEY = 50;

  /** After a secret rotation, deliveries are signed with the new and the previous secret for this long. */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(24 * 30)
  GATEWAY_SECRET_ROTATION_OVERLAP_HOURS = 24;
}
