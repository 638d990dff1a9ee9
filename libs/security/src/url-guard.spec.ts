import { FORBIDDEN_URLS } from './forbidden-urls';
import { UrlGuard, embeddedIpv4 } from './url-guard';

const strict = new UrlGuard({ allowHttp: false, allowedPrivateCidrs: [] });

describe('UrlGuard.checkUrl (no DNS)', () => {
  it.each([
    ['http://example.com/hook', 'must use https'],
    ['ftp://example.com/hook', 'must use https'],
    ['https://user:pass@example.com/hook', 'must not contain credentials'],
    ['not a url', 'is not a valid absolute URL'],
    ...FORBIDDEN_URLS.map(({ url, reason }) => [url, reason]),
  ])('refuses %s (%s)', (url, reason) => {
    const result = strict.checkUrl(url);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it.each(['https://example.com/hook', 'https://93.184.216.34/hook', 'https://[2606:2800:220:1::]/hook'])(
    'accepts %s',
    (url) => expect(strict.checkUrl(url).ok).toBe(true),
  );

  it('lets an operator open exactly one private range', () => {
    const local = new UrlGuard({ allowHttp: true, allowedPrivateCidrs: ['127.0.0.1/32'] });
    expect(local.checkUrl('http://127.0.0.1:8080/hook').ok).toBe(true);
    expect(local.checkUrl('http://127.0.0.2:8080/hook').ok).toBe(false);
    expect(local.checkUrl('http://10.0.0.1/hook').ok).toBe(false);
  });

  it('finds IPv4 embedded in IPv6', () => {
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
  });
});

describe('UrlGuard.resolve', () => {
  it('refuses a hostname that resolves to loopback', async () => {
    await expect(strict.resolve('localhost')).rejects.toThrow(/resolves to a loopback address/);
  });
});
