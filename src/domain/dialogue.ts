import { z } from 'zod';

/**
 * The question the bot last asked the customer on a ticket and is waiting on. One at a time per
 * ticket, so a bare reply ("1", "yes", "是") means exactly one thing: a choice of the "did you
 * mean" list, or the answer to "did that answer your question?". (The satisfaction question is
 * asked only on resolved tickets, where no prompt is pending, and SMS keywords never reach here.)
 */
export const DialoguePromptSchema = z.discriminatedUnion('kind', [
  z.object({
    /** "Did you mean …?": the articles offered, in the order they were numbered. */
    kind: z.literal('clarify'),
    locale: z.string(),
    options: z.array(z.string()).min(1).max(10),
    /** The customer message the list answered. */
    questionId: z.string(),
    at: z.coerce.date(),
  }),
  z.object({
    /** "Did that answer your question?" after a direct answer. */
    kind: z.literal('confirm'),
    locale: z.string(),
    articleId: z.string(),
    /** The next best articles, offered in turn when the customer says no. */
    next: z.array(z.string()).max(5),
    questionId: z.string(),
    at: z.coerce.date(),
  }),
]);
export type DialoguePrompt = z.infer<typeof DialoguePromptSchema>;

/** The prompt stored on a ticket, or undefined when none is pending or it cannot be read. */
export function readPrompt(stored: unknown): DialoguePrompt | undefined {
  const parsed = DialoguePromptSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}
