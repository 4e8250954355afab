import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'pino';

/** Bolt's and the Web API client's logging, sent to our pino logger (or nowhere). */
export function slackLogger(logger: Logger | undefined): SlackLogger {
  let level = LogLevel.INFO;
  const log =
    (kind: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]): void => {
      logger?.[kind]({ component: 'slack' }, messages.map((m) => String(m)).join(' '));
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
