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
  it('refuses localhost in every spelling', async () => {
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost', 'Api.LocalHost.']) {
      await expect(strict.resolve(host)).rejects.toThrow(/loopback address/);
    }
  });
});

describe('registration and connection agree', () => {
  const local = new UrlGuard({ allowHttp: true, allowedPrivateCidrs: ['127.0.0.1/32'] });

  it('resolves localhost in any case and with a trailing dot to the address the check allowed', async () => {
    for (const url of ['http://LOCALHOST.:8080/hook', 'http://localhost/hook', 'http://shop.localhost./hook']) {
      const check = local.checkUrl(url);
      expect(check.ok).toBe(true);
      if (check.ok)
        await expect(local.resolve(check.url.hostname)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    }
  });

  it.each([
    'http://[::127.0.0.1]/hook',
    'http://[::7f00:1]/hook',
    'http://[64:ff9b::127.0.0.1]/hook',
    'http://[2002:7f00:1::]/hook',
    'http://[::ffff:0:127.0.0.1]/hook',
  ])('refuses %s: the allowed 127.0.0.1 is not what that IPv6 address connects to', async (url) => {
    const check = local.checkUrl(url);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(/IPv6 form .* \(use 127\.0\.0\.1\)/);
    await expect(local.resolve(new URL(url).hostname)).rejects.toThrow(/IPv6 form/);
  });

  it('allows the IPv4-mapped form, which does connect to the IPv4 address', async () => {
    expect(local.checkUrl('http://[::ffff:127.0.0.1]/hook').ok).toBe(true);
    await expect(local.resolve('[::ffff:7f00:1]')).resolves.toEqual({ address: '::ffff:7f00:1', family: 6 });
  });
});
