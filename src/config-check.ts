import { CHANNELS } from '../channels/index.ts';
import { loadConfig, type Config } from './config.ts';
import { loadDeskConfig } from './desk/config.ts';
import { loadDispatchConfig } from './dispatch/config.ts';
import { loadBrand } from './help/brand.ts';

/**
 * Reads every setting the gateway will read — the core's, each channel's, the desk's, dispatch's
 * and the files they name — and throws SB_ERR_CONFIG naming the first bad variable. `start` calls
 * it before it brings up a single local server: a typo is reported at once and leaves nothing
 * running, instead of surfacing after the servers started. The loaders are the ones the
 * composition root calls, so the check cannot drift from what is used.
 */
export async function checkConfiguration(env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const config = loadConfig(env);
  loadDispatchConfig(env);
  loadDeskConfig(env);
  // The brand is the help centre's too: read whether the chat is on or not.
  loadBrand(env);
  for (const entry of CHANNELS) (await entry.load()).channel.checkConfig?.(env);
  return config;
}
