import { loadEmailConfig } from '../channels/email/config.ts';
import { loadSlackChannelConfig } from '../channels/slack/config.ts';
import { loadSmsConfig } from '../channels/sms/config.ts';
import { loadWebchatBrand, loadWebchatConfig } from '../channels/webchat/config.ts';
import { loadConfig, type Config } from './config.ts';
import { loadDeskConfig } from './desk/config.ts';
import { loadDispatchConfig } from './dispatch/config.ts';

/**
 * Reads every setting the gateway will read — the core's, each channel's, the desk's, dispatch's
 * and the files they name — and throws SB_ERR_CONFIG naming the first bad variable. `start` calls
 * it before it brings up a single local server: a typo is reported at once and leaves nothing
 * running, instead of surfacing after the servers started. The loaders are the ones the
 * composition root calls, so the check cannot drift from what is used.
 */
export function checkConfiguration(env: NodeJS.ProcessEnv = process.env): Config {
  const config = loadConfig(env);
  loadSmsConfig(env);
  loadWebchatConfig(env);
  loadWebchatBrand(env);
  loadEmailConfig(env);
  loadDispatchConfig(env);
  // The Slack customer channel rides on the desk's app: read only when the desk is on.
  if (loadDeskConfig(env)) loadSlackChannelConfig(env);
  return config;
}
