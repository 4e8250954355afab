/**
 * The channel registry: the one place that names each channel. Adding a channel is a folder
 * (`channels/<id>/`, exporting `channel` from its module.ts) and one line here; see
 * docs/architecture.md, "Add a channel". Factories load lazily, so the domain can read the ids
 * (CHANNEL_IDS, IDENTITY_KINDS) without loading any channel's code.
 */
import type { ChannelEntry } from './module.ts';

// `urgency`: dispatch's default points for a waiting ticket of the channel; `writesFirst`: it can
// start a conversation with an address of its kind; `scopedIdentity`: its identities read
// `<scope>/<customer id>`; `continuesAway`: it carries on a conversation the customer left;
// `confirmsTypedEmail`: an email its customers type gets a confirmation link (module.ts).
export const CHANNELS = [
  {
    id: 'api',
    urgency: 2,
    identityKind: 'api',
    scopedIdentity: true,
    load: () => import('./api/module.ts'),
  },
  {
    id: 'email',
    urgency: 0,
    writesFirst: true,
    continuesAway: true,
    identityKind: 'email',
    load: () => import('./email/module.ts'),
  },
  {
    id: 'sms',
    urgency: 6,
    writesFirst: true,
    identityKind: 'phone',
    load: () => import('./sms/module.ts'),
  },
  { id: 'slack', urgency: 4, identityKind: 'slack', load: () => import('./slack/module.ts') },
  {
    id: 'webchat',
    urgency: 5,
    confirmsTypedEmail: true,
    identityKind: 'webchat',
    scopedIdentity: true,
    load: () => import('./webchat/module.ts'),
  },
  {
    id: 'telegram',
    urgency: 5,
    identityKind: 'telegram',
    load: () => import('./telegram/module.ts'),
  },
] as const satisfies readonly ChannelEntry[];
