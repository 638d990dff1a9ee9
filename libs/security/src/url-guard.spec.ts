import { UrlGuard, embeddedIpv4 } from './url-guard';

const strict = new UrlGuard({ allowHttp: false, allowedPrivateCidrs: [] });

describe('UrlGuard.checkUrl (no DNS)', () => {
  it.each([
    ['http://example.com/hook', 'must use https'],
    ['ftp://example.com/hook', 'must use https'],
    ['https://user:pass@example.com/hook', 'must not contain credentials'],
    ['not a url', 'is not a valid absolute URL'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://localhost/hook', 'loopback'],
    ['https://foo.localhost/hook', 'loopback'],
    ['https://LOCALHOST./hook', 'loopback'],
    ['https://2130706433/hook', 'loopback'], // decimal
    ['https://0x7f.0.0.1/hook', 'loopback'], // hex
    ['https://0177.0.0.1/hook', 'loopback'], // octal
    ['https://127.1/hook', 'loopback'], // shortened
    ['https://10.0.0.8/hook', 'private'],
    ['https://172.20.1.1/hook', 'private'],
    ['https://192.168.1.10/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://100.64.1.1/hook', 'carrier-grade NAT'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://224.0.0.1/hook', 'multicast'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::]/hook', 'unspecified'],
    ['https://[fd12:3456::1]/hook', 'unique-local'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://[ff02::1]/hook', 'multicast'],
    ['https://[::ffff:127.0.0.1]/hook', 'embedded in IPv6'],
    ['https://[::ffff:a9fe:a9fe]/hook', 'embedded in IPv6'],
    ['https://[64:ff9b::10.0.0.1]/hook', 'embedded in IPv6'],
    ['https://[2002:c0a8:0101::1]/hook', 'embedded in IPv6'],
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
