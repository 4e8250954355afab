/**
 * Markdown (the knowledge base's answers) as Slack mrkdwn
 * (https://docs.slack.dev/messaging/formatting-message-text): `*bold*`, `_italic_`, `~strike~`,
 * `<url|text>` links, and `&`, `<`, `>` escaped. Code spans and fenced blocks are kept verbatim
 * (escaped only). Slack has no headings or lists: headings become bold lines, bullets `•`.
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      out.push('```');
      continue;
    }
    out.push(fenced ? escapeMrkdwn(line) : convertLine(line));
  }
  return out.join('\n');
}

/** Slack wants only these three escaped in message text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Placeholders never typed by people (private-use code points) keep converted parts apart.
const HOLD = '\uE000';
const BOLD = '\uE001';

function convertLine(line: string): string {
  const held: string[] = [];
  const hold = (text: string): string => `${HOLD}${held.push(text) - 1}${HOLD}`;
  let text = line
    // Code spans first: nothing inside them is formatting.
    .replace(/`([^`]+)`/g, (_m, code: string) => hold(`\`${escapeMrkdwn(code)}\``))
    // Images and links: [text](url) → <url|text>; <https://…> autolinks → <url>.
    .replace(/!?\[([^\]]*)\]\((\S+?)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) =>
      hold(label ? `<${escapeMrkdwn(url)}|${escapeMrkdwn(label)}>` : `<${escapeMrkdwn(url)}>`),
    )
    .replace(/<(https?:\/\/[^>\s]+)>/g, (_m, url: string) => hold(`<${escapeMrkdwn(url)}>`));
  text = escapeMrkdwn(text);
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
  if (heading) text = `${BOLD}${heading[1] ?? ''}${BOLD}`;
  text = text
    .replace(/^(\s*)[-*+]\s+/, '$1• ')
    .replace(/\*\*(.+?)\*\*|__(.+?)__/g, (_m, a?: string, b?: string) => `${BOLD}${a ?? b}${BOLD}`)
    .replace(/(^|[^\w*])\*(?!\s)([^*]+?)\*(?!\w)/g, '$1_$2_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replaceAll(BOLD, '*');
  return text.replace(
    new RegExp(`${HOLD}(\\d+)${HOLD}`, 'g'),
    (_m, i: string) => held[Number(i)] ?? '',
  );
}

/**
 * Slack message text as plain text for the pipeline: `<url|label>` → `label (url)`, user and
 * channel references readable, entities decoded
 * (https://docs.slack.dev/messaging/formatting-message-text#retrieving-messages).
 */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<mailto:([^|>]+)(?:\|[^>]+)?>/g, '$1')
    .replace(/<#[A-Z0-9]+\|([^>]+)>/g, '#$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
