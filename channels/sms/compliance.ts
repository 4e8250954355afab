/**
 * Compliance keywords, matched against the whole message (trimmed, case-insensitive), as carriers
 * and Twilio's Advanced Opt-Out do: https://help.twilio.com/articles/223134027
 */
const OPT_OUT = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  '退订',
  '取消',
]);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES']);
const HELP = new Set(['HELP', 'INFO']);

export type ComplianceKeyword = { kind: 'opt-out' | 'opt-in' | 'help'; keyword: string };

/** The keyword the message consists of, or undefined for an ordinary message. */
export function complianceKeyword(body: string): ComplianceKeyword | undefined {
  // Trailing punctuation ("STOP.", "stop!") is common from phones' autocorrect.
  const word = body
    .trim()
    .replace(/[.!。！]+$/u, '')
    .trim();
  const upper = word.toUpperCase();
  if (OPT_OUT.has(upper)) return { kind: 'opt-out', keyword: upper };
  if (OPT_IN.has(upper)) return { kind: 'opt-in', keyword: upper };
  if (HELP.has(upper)) return { kind: 'help', keyword: upper };
  return undefined;
}

/** The reason `send` gives when the recipient opted out. */
export function optedOutReason(record: { keyword: string; at: Date }): string {
  return `recipient opted out (${record.keyword} at ${record.at.toISOString()})`;
}
