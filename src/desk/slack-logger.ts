import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';

// The Web API client's debug lines dump whole request and response bodies (a desk card holds the
// customer's name and message): the line stays, the payload goes.
const PAYLOAD_DUMP = /^(http request (?:body|result|headers)): [\s\S]*$/;

/** Bolt's and the Web API client's logging, sent to our pino logger (or nowhere). */
export function slackLogger(logger: Logger | undefined): SlackLogger {
  let level = LogLevel.INFO;
  const log =
    (kind: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]): void => {
      const text = messages.map((m) => String(m)).join(' ');
      logger?.[kind]({ component: 'slack' }, text.replace(PAYLOAD_DUMP, '$1: [omitted]'));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
