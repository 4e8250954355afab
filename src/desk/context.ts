import type { Queue } from 'bullmq';
import type { SlackDownloadDeps } from '../../channels/slack/files.ts';
import type { Model } from 'mongoose';
import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { OutboundJobData } from '../pipeline/queues.ts';
import type { DeskModels } from './models.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { DeskConfig } from './config.ts';
import type { SlackUserRef } from './jobs.ts';
import type { DeskPostDoc } from './posts.ts';
import type { DeskFiles } from './files.ts';

/** Called by the desk so dispatch (src/dispatch) can route the next ticket. */
export interface DeskCallbacks {
  /** After Release or Resolve freed the agent's slot for this ticket. */
  onTicketReleased?: ((ticketId: string) => Promise<void>) | undefined;
  /** After `/switchboard available|away`. */
  onAgentStatus?: ((agentId: string, status: 'available' | 'away') => Promise<void>) | undefined;
}

export interface DeskServiceDeps {
  config: DeskConfig;
  pool: TicketPool;
  locks: DocumentLocks;
  models: DeskModels;
  posts: Model<DeskPostDoc>;
  outbound: Queue<OutboundJobData>;
  client: webApi.WebClient;
  callbacks: DeskCallbacks;
  logger?: Logger | undefined;
  now?: () => Date;
  /** How files agents share in a card's thread are downloaded (bot token, the upload cap). */
  download: SlackDownloadDeps;
  /** Customers' files, listed with signed links on the card and under relayed messages. */
  files?: DeskFiles | undefined;
  /** Members of the allowed Slack user groups are agents (SLACK_AGENT_USERGROUPS). */
  groups?: { has(userId: string): Promise<boolean> } | undefined;
}

/** What the card actions and the notices use of the desk service (kept apart: no import cycle). */
export interface DeskTools {
  readonly deps: DeskServiceDeps;
  now(): Date;
  /** Posts the ticket's card once, or updates it in place. */
  syncCard(ticketId: string): Promise<string>;
  /** The Agent record of an enrolled Slack user; throws NotEnrolledError for anyone else. */
  agentFor(user: SlackUserRef): Promise<AgentDoc>;
  /** An ephemeral message only this user sees. */
  tell(channel: string, user: string, text: string): Promise<void>;
}
