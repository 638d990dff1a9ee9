/**
 * Subscriber URLs the URL guard refuses, and why: every private, loopback, link-local, reserved or otherwise
 * internal address, in every spelling a URL parser accepts (decimal, octal, hex and shortened IPv4, IPv4 inside
 * IPv6). The guard's unit tests and the end-to-end SSRF tests (registration and delivery) share this catalogue.
 */
export const FORBIDDEN_URLS: ReadonlyArray<{ url: string; reason: string }> = [
  { url: 'https://127.0.0.1/hook', reason: 'loopback' },
  { url: 'https://127.0.0.1:8443/hook', reason: 'loopback' },
  { url: 'https://localhost/hook', reason: 'loopback' },
  { url: 'https://foo.localhost/hook', reason: 'loopback' },
  { url: 'https://LOCALHOST./hook', reason: 'loopback' },
  { url: 'https://2130706433/hook', reason: 'loopback' }, // decimal
  { url: 'https://0x7f.0.0.1/hook', reason: 'loopback' }, // hex
  { url: 'https://0x7f000001/hook', reason: 'loopback' }, // one hex number
  { url: 'https://0177.0.0.1/hook', reason: 'loopback' }, // octal
  { url: 'https://017700000001/hook', reason: 'loopback' }, // one octal number
  { url: 'https://127.1/hook', reason: 'loopback' }, // shortened
  { url: 'https://127.000.000.001/hook', reason: 'loopback' }, // zero-padded
  { url: 'https://10.0.0.8/hook', reason: 'private' },
  { url: 'https://10.255.255.255:8443/hook', reason: 'private' },
  { url: 'https://172.20.1.1/hook', reason: 'private' },
  { url: 'https://192.168.1.10/hook', reason: 'private' },
  { url: 'https://169.254.169.254/latest/meta-data', reason: 'link-local' }, // cloud metadata
  { url: 'https://100.64.1.1/hook', reason: 'carrier-grade NAT' },
  { url: 'https://0.0.0.0/hook', reason: 'unspecified' },
  { url: 'https://0/hook', reason: 'unspecified' },
  { url: 'https://224.0.0.1/hook', reason: 'multicast' },
  { url: 'https://[::1]/hook', reason: 'loopback' },
  { url: 'https://[0:0:0:0:0:0:0:1]/hook', reason: 'loopback' },
  { url: 'https://[::]/hook', reason: 'unspecified' },
  { url: 'https://[fd12:3456::1]/hook', reason: 'unique-local' },
  { url: 'https://[fc00::1]/hook', reason: 'unique-local' },
  { url: 'https://[fe80::1]/hook', reason: 'link-local' },
  { url: 'https://[ff02::1]/hook', reason: 'multicast' },
  { url: 'https://[::ffff:127.0.0.1]/hook', reason: 'embedded in IPv6' }, // IPv4-mapped
  { url: 'https://[::ffff:10.0.0.1]/hook', reason: 'embedded in IPv6' },
  { url: 'https://[::ffff:a9fe:a9fe]/hook', reason: 'embedded in IPv6' },
  { url: 'https://[64:ff9b::10.0.0.1]/hook', reason: 'embedded in IPv6' }, // NAT64
  { url: 'https://[2002:c0a8:0101::1]/hook', reason: 'embedded in IPv6' }, // 6to4
];
