/** What rendering and sending need to know about an endpoint (fan-out caches these; admin-api reads one). */
export interface DeliveryTarget {
  id: string;
  url: string;
  format: 'standard' | 'kaynko';
  timeoutMs: number;
  headers: Record<string, string>;
}
