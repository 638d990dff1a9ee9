import type { SecretBox } from '@gateway/security';
import type { EndpointEntity } from './entities/endpoint.entity';

/** The columns to write for an endpoint's custom headers: sealed, and none in plaintext. */
export function sealEndpointHeaders(
  box: SecretBox,
  headers: Record<string, string>,
): Pick<EndpointEntity, 'headers' | 'headersSealed'> {
  return { headers: {}, headersSealed: Object.keys(headers).length ? box.encrypt(JSON.stringify(headers)) : null };
}

/** An endpoint's custom headers: the sealed ones, or the plaintext of a row not re-sealed since the upgrade. */
export function openEndpointHeaders(
  box: SecretBox,
  row: Pick<EndpointEntity, 'headers' | 'headersSealed'>,
): Record<string, string> {
  return row.headersSealed ? (JSON.parse(box.decrypt(row.headersSealed)) as Record<string, string>) : row.headers;
}
