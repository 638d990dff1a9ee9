import { AdminApiConfig } from '../admin-api.config';

/** GATEWAY_RETRY_SCHEDULE written as an endpoint's `retrySchedule` is: `["5s", "5m", …]`. */
export function deploymentRetrySchedule(config: AdminApiConfig): string[] {
  return config.GATEWAY_RETRY_SCHEDULE.split(',').map((step) => step.trim());
}
