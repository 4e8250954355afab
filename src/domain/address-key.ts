import ipaddr from 'ipaddr.js';

/**
 * The key a client address is counted under by rate limits: an IPv6 client by its /64 (one host
 * usually holds the whole prefix, so counting single addresses would let it rotate freely), an
 * IPv4-mapped IPv6 address as the IPv4 address, anything unparseable as it is.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (!(address instanceof ipaddr.IPv6)) return address.toString();
  const prefix = address.parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
