/** Where the help centre is mounted. */
export const HELP_PATH = '/help';

/** The path of one article's page: the article id, and its locale as `lang`. */
export function helpArticlePath(articleId: string, locale: string): string {
  return `${HELP_PATH}/${encodeURIComponent(articleId)}?lang=${encodeURIComponent(locale)}`;
}

/**
 * The absolute address of one article's page, for answers that leave the gateway (a cut SMS
 * answer's "more" link). Undefined without a public URL: a relative link means nothing in an SMS.
 */
export function helpArticleUrl(
  publicUrl: string | undefined,
  articleId: string,
  locale: string,
): string | undefined {
  return publicUrl === undefined ? undefined : `${publicUrl}${helpArticlePath(articleId, locale)}`;
}
