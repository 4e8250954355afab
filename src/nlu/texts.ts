/**
 * What the bot says in its own words, per locale. Everything else it sends is an article's answer:
 * it never composes an answer of its own.
 */
export interface BotTexts {
  greeting: string;
  thanks: string;
  goodbye: string;
  /** Said when the customer asks for a person. */
  handoverRequested: string;
  /** Said when the bot cannot help (out of scope, or a second miss in a row). */
  handoverNoAnswer: string;
  /** Heads the "did you mean" list (markdown). */
  didYouMean: string;
  /** Ends the "did you mean" list. */
  didYouMeanHint: string;
  /** Ends every direct answer: the customer's yes or no settles the ticket (src/nlu/dialogue.ts). */
  confirmQuestion: string;
  /** The buttons for it, where the channel shows buttons: yes first. */
  confirmChoices: [string, string];
  /** Said when the customer confirms the answer helped. */
  gladItHelped: string;
  /** Heads the next best article after the customer said the answer did not help. */
  nextArticle: string;
  /** Said when the customer said the answers did not help and a person takes over. */
  handoverUnhelpful: string;
  /** Said when the customer is upset, threatens legal action or asks for a manager. */
  handoverDistress: string;
}

const EN: BotTexts = {
  greeting: "Hello! I'm the shop's assistant. What can I help you with?",
  thanks: "You're welcome! Is there anything else I can help you with?",
  goodbye: 'Thanks for getting in touch. Goodbye!',
  handoverRequested:
    "I'm handing you over to a person. Someone from our team will reply here shortly.",
  handoverNoAnswer:
    "I'm not able to answer that myself, so I'm handing you over to a person. Someone from our team will reply here shortly.",
  didYouMean: "I'm not sure I understood. Did you mean one of these?",
  didYouMeanHint: 'Reply with the number of the one you meant, or ask again in other words.',
  confirmQuestion: 'Did that answer your question? Reply yes or no.',
  confirmChoices: ['Yes', 'No'],
  gladItHelped: 'Glad I could help! Write again any time.',
  nextArticle: 'Sorry about that. Maybe this is what you need:',
  handoverDistress:
    "I'm sorry about this. I'm passing you to a person right away, with priority; someone from our team will reply here shortly.",
  handoverUnhelpful:
    "Sorry I couldn't help. I'm handing you over to a person. Someone from our team will reply here shortly.",
};

const ZH: BotTexts = {
  greeting: '您好！我是商店的智能助手，请问有什么可以帮您？',
  thanks: '不客气！还有其他可以帮您的吗？',
  goodbye: '感谢您的咨询，再见！',
  handoverRequested: '正在为您转接人工客服，工作人员会尽快在这里回复您。',
  handoverNoAnswer: '这个问题我暂时无法回答，正在为您转接人工客服，工作人员会尽快在这里回复您。',
  didYouMean: '抱歉，我不太确定您的意思。您是想问以下问题吗？',
  didYouMeanHint: '请回复您想问的问题的编号，或者换一种说法再问一次。',
  confirmQuestion: '这个回答解决您的问题了吗？请回复“是”或“否”。',
  confirmChoices: ['是', '否'],
  gladItHelped: '很高兴能帮到您！如有其他问题，随时联系我们。',
  nextArticle: '抱歉。也许这个能帮到您：',
  handoverDistress:
    '非常抱歉给您带来不好的体验。我已将您的问题优先转给人工客服，工作人员会尽快在这里回复您。',
  handoverUnhelpful: '抱歉没能帮到您，正在为您转接人工客服，工作人员会尽快在这里回复您。',
};

const TEXTS: Readonly<Record<string, BotTexts>> = { en: EN, zh: ZH };

/** The texts of `locale`, English when the locale has none. */
export function botTexts(locale: string | undefined): BotTexts {
  return (locale === undefined ? undefined : TEXTS[locale]) ?? EN;
}
