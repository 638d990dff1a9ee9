import { Provider } from '@nestjs/common';
import { HttpSender } from '@gateway/delivery';
import { SecretBox, UrlGuard } from '@gateway/security';
import { AdminApiConfig } from '../admin-api.config';

export const securityProviders: Provider[] = [
  {
    provide: SecretBox,
    inject: [AdminApiConfig],
    useFactory: (c: AdminApiConfig) => new SecretBox(c.GATEWAY_ENCRYPTION_KEY, c.GATEWAY_PREVIOUS_ENCRYPTION_KEYS),
  },
  {
    provide: UrlGuard,
    inject: [AdminApiConfig],
    useFactory: (c: AdminApiConfig) =>
      new UrlGuard({ allowHttp: c.GATEWAY_ALLOW_HTTP_ENDPOINTS, allowedPrivateCidrs: c.GATEWAY_ALLOWED_PRIVATE_CIDRS }),
  },
  {
    // For endpoint tests: the same SSRF-safe sender fan-out uses. A Test shows at most 1 KiB of the answer, so that
    // it cannot be used to read pages through the gateway.
    provide: HttpSender,
    inject: [UrlGuard],
    useFactory: (guard: UrlGuard) => new HttpSender(guard, { connectionsPerOrigin: 2, responseBodyLimitBytes: 1024 }),
  },
];
