/**
 * Shapes a markdown answer for a channel: plain text for SMS-like channels (markup removed, link
 * targets kept as text), markdown as written, or HTML rendered with marked and then sanitized —
 * answers are edited by people and end up in customers' mail readers.
 */
import { Marked } from 'marked';
import type { Token, Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** How a channel shows text (ChannelCapabilities['format']). */
export type TextFormat = 'plain' | 'markdown' | 'html';

/** A message body for one channel: `text` always, plus the richer form the channel renders. */
export interface ShapedText {
  text: string;
  markdown?: string;
  html?: string;
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h1',
    'h2',
    'h3',
    'h4',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
};

/** Full-width (CJK) punctuation: a sentence goes on right after a URL, with no space. */
const FULL_WIDTH_PUNCTUATION =
  /[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]/u;
const BARE_URL = /^(?:https?:\/\/|www\.)[^\s<]+/;

/**
 * marked with GFM, whose bare-URL rule ends a URL only at whitespace or `<`: in Chinese text
 * (`…/returns，登录（或输入订单号…`) the link swallowed the sentence. A bare URL here (`http(s)://`
 * or, as GFM links it, `www.`) also ends at full-width punctuation; URLs without it are left to
 * marked's own rule.
 */
const md = new Marked({
  gfm: true,
  tokenizer: {
    url(src: string) {
      const match = BARE_URL.exec(src)?.[0];
      const cut = match?.search(FULL_WIDTH_PUNCTUATION) ?? -1;
      const scheme = match?.startsWith('www.') ? 'www.'.length : (match?.indexOf('//') ?? 0);
      if (match === undefined || cut <= scheme + 2) return false;
      const text = match.slice(0, cut);
      const href = text.startsWith('www.') ? `http://${text}` : text;
      return {
        type: 'link',
        raw: text,
        text,
        href,
        tokens: [{ type: 'text', raw: text, text, escaped: false }],
      };
    },
  },
});

/** Markdown rendered to HTML, with everything outside a small safe subset removed. */
export function markdownToSafeHtml(markdown: string): string {
  const html = md.parse(markdown, { async: false });
  return sanitizeHtml(html, SANITIZE).trim();
}

function inline(tokens: readonly Token[] | undefined): string {
  if (tokens === undefined) return '';
  return tokens.map(inlineToken).join('');
}

function inlineToken(token: Token): string {
  switch (token.type) {
    case 'link': {
      const link = token as Tokens.Link;
      const label = inline(link.tokens);
      // Autolinks and bare URLs already show the address; others keep it after the label.
      return label === link.href || `mailto:${label}` === link.href
        ? label
        : `${label} (${link.href})`;
    }
    case 'image':
      return (token as Tokens.Image).text;
    case 'br':
      return '\n';
    case 'html':
      return '';
    case 'codespan':
      return (token as Tokens.Codespan).text;
    case 'escape':
      return (token as Tokens.Escape).text;
    default: {
      const withChildren = token as { tokens?: Token[]; text?: string };
      return withChildren.tokens !== undefined
        ? inline(withChildren.tokens)
        : (withChildren.text ?? '');
    }
  }
}

function block(token: Token, indent = ''): string {
  switch (token.type) {
    case 'space':
    case 'hr':
    case 'html':
      return '';
    case 'code':
      return (token as Tokens.Code).text;
    case 'blockquote':
      return (token as Tokens.Blockquote).tokens
        .map((t) => block(t))
        .filter(Boolean)
        .join('\n\n');
    case 'list': {
      const list = token as Tokens.List;
      const start = typeof list.start === 'number' ? list.start : 1;
      return list.items
        .map((item, i) => {
          const bullet = list.ordered ? `${start + i}. ` : '- ';
          const body = item.tokens
            .map((t) =>
              t.type === 'list'
                ? `\n${block(t, `${indent}  `)}`
                : t.type === 'text'
                  ? inlineToken(t)
                  : block(t),
            )
            .join('');
          return `${indent}${bullet}${body.trim()}`;
        })
        .join('\n');
    }
    case 'table': {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens)).join(' | ');
      return [row(table.header), ...table.rows.map(row)].join('\n');
    }
    default:
      return inlineToken(token);
  }
}

/** Markdown reduced to readable plain text: no markup, links as "label (url)", lists as "- ". */
export function markdownToPlainText(markdown: string): string {
  return md
    .lexer(markdown)
    .map((t) => block(t))
    .filter((s) => s.trim().length > 0)
    .join('\n\n')
    .trim();
}

/** The body to send on a channel of `format`. */
export function shapeForChannel(markdown: string, format: TextFormat): ShapedText {
  switch (format) {
    case 'markdown':
      return { text: markdown, markdown };
    case 'html':
      return { text: markdownToPlainText(markdown), markdown, html: markdownToSafeHtml(markdown) };
    case 'plain':
      return { text: markdownToPlainText(markdown) };
  }
}
