import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { SwitchboardError } from '../../src/domain/errors.ts';

/**
 * Only ordinary public unicast addresses may receive callbacks. Loopback, private (RFC 1918,
 * unique-local), link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and
 * reserved ranges are refused: an integration's callback URL must not become a way into the
 * network the gateway runs in (SSRF).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  return ipaddr.process(address).range() === 'unicast';
}

function refused(host: string, address: string): SwitchboardError {
  return new SwitchboardError(
    'SB_ERR_DELIVERY_REJECTED',
    `callback URL host ${host} resolves to ${address}, a non-public address; ` +
      'set API_CALLBACK_ALLOW_PRIVATE=true to allow it',
  );
}

/**
 * Resolves like the default lookup, then refuses non-public answers. It runs at connect time, on
 * the address actually connected to, so a name that resolves differently on a second lookup (DNS
 * rebinding) cannot slip through between a check and the request.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(refused(hostname, bad.address), '', 0);
    if (options.all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
    return callback(null, first.address, first.family);
  });
};

/** The HTTP agent callbacks go through when private addresses are not allowed. */
export function publicOnlyAgent(): Agent {
  return new Agent({ connect: { lookup: publicOnlyLookup } });
}

/** An IP-literal host never reaches the lookup: it is checked here, before connecting. */
export function assertPublicLiteral(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isPublicAddress(host)) throw refused(host, host);
}
