import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';
import { CHANNEL_IDS, IDENTITY_KINDS } from '../domain/message.ts';
import { PRIORITIES, TICKET_STATUSES } from '../domain/ticket.ts';
import { registerNoteModel } from './notes.ts';
import { registerMergeSuggestionModel } from './merge-suggestions.ts';

// Schemas of the ticket pool. Features register their own models on the same connection (e.g.
// src/accounts/models.ts, src/knowledge/models.ts). Every query the pipeline makes has an
// index here; writes are single-document and idempotent (no transactions: FerretDB has none).

const identitySchema = new Schema(
  {
    kind: { type: String, enum: IDENTITY_KINDS, required: true },
    value: { type: String, required: true },
    /** False when only an unverified sighting or a customer's claim put it here. */
    verified: { type: Boolean },
  },
  { _id: false },
);

const contactSchema = new Schema(
  {
    name: { type: String },
    identities: { type: [identitySchema], default: [] },
    /** Set when this contact was merged into another; lookups follow it. */
    mergedInto: { type: Schema.Types.ObjectId, ref: 'Contact' },
    /**
     * On a merged contact: what its merge moved to the survivor (contact-merge.ts), so an unmerge
     * gives back exactly that. Removed by the unmerge; erased with the contact.
     */
    merge: {
      type: new Schema(
        {
          into: { type: Schema.Types.ObjectId, required: true },
          by: { type: String },
          at: { type: Date },
          /** `<kind>:<value>` of the identity links re-pointed to the survivor. */
          identityLinks: { type: [String], default: [] },
          /** Identities listed on the survivor by this merge (it did not list them before). */
          addedIdentities: { type: [identitySchema], default: [] },
          ticketIds: { type: [Schema.Types.ObjectId], default: [] },
          /** The survivor had no name and took this contact's. */
          nameCopied: { type: Boolean },
          completedAt: { type: Date },
        },
        { _id: false },
      ),
    },
    undeliverable: { type: [String], default: [] },
    attributes: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true },
);

// The contact page's "merged into this one" (footprint.ts and contact-page.ts read it).
contactSchema.index({ mergedInto: 1 }, { sparse: true });

/**
 * One document per channel identity, `_id` = `<kind>:<value>`: the unique _id makes "find or create
 * the contact for this address" race-free without transactions or multikey unique indexes.
 */
const contactIdentitySchema = new Schema(
  {
    _id: { type: String },
    contactId: { type: Schema.Types.ObjectId, required: true, index: true },
    ready: { type: Boolean, default: false },
    /**
     * False when the link rests only on unverified sightings (an email without DKIM/DMARC pass, a
     * pre-chat form): a verified sighting elsewhere does not link to it blindly (merge-suggestions.ts).
     */
    verified: { type: Boolean },
    /**
     * Digests of the further identities (vouched or claimed) this sender's messages brought and
     * that were linked or suggested already: a known sender's message reads this link anyway, so
     * a new one costs nothing to notice (contacts.ts `linkFurther`).
     */
    further: { type: [String], default: undefined },
  },
  { timestamps: true },
);

const statusChangeSchema = new Schema(
  { from: String, to: String, at: Date, by: String, reason: String },
  { _id: false },
);

const ticketSchema = new Schema(
  {
    number: { type: Number, required: true, unique: true },
    channel: { type: String, enum: CHANNEL_IDS, required: true },
    threadKey: { type: String, required: true },
    contactId: { type: Schema.Types.ObjectId, required: true, ref: 'Contact' },
    status: { type: String, enum: TICKET_STATUSES, required: true, default: 'bot' },
    subject: { type: String },
    /** The opening message's first line (tickets lists; channels without a subject). */
    preview: { type: String },
    urgency: { type: Number, default: 0 },
    urgencyParts: { type: [{ _id: false, reason: String, points: Number }], default: [] },
    priority: { type: String, enum: PRIORITIES, default: 'normal' },
    /** A priority a person set: dispatch's scoring keeps it instead of its own. */
    priorityOverride: { type: String, enum: PRIORITIES },
    assigneeId: { type: Schema.Types.ObjectId, ref: 'Agent' },
    language: { type: String },
    lastIntent: { type: String },
    botMisses: { type: Number, default: 0 },
    /** The bot's pending question (src/domain/dialogue.ts): what a bare "1" or "yes" answers. */
    prompt: { type: Schema.Types.Mixed },
    /** The inbound message whose bot outcome was counted last: a retried job counts it once. */
    lastBotOutcomeFor: { type: String },
    escalationReason: { type: String },
    tags: { type: [String], default: [] },
    /** Channel specifics needed to answer later (the conversation reference). */
    channelData: { type: Schema.Types.Mixed, default: {} },
    /** Identity the customer wrote from: where replies go. */
    replyTo: { type: identitySchema, required: true },
    firstResponseAt: { type: Date },
    lastCustomerMessageAt: { type: Date },
    /**
     * Where the customer last wrote when that was another channel than the ticket's own (a
     * conversation that continued on it): replies go there unless an agent chooses otherwise.
     */
    lastInbound: {
      type: new Schema(
        {
          channel: { type: String, enum: CHANNEL_IDS },
          threadKey: String,
          replyTo: identitySchema,
          channelData: Schema.Types.Mixed,
        },
        { _id: false },
      ),
    },
    /** When the bot last answered (a knowledge-base answer); unset by a miss. Quiet-time resolve. */
    lastBotAnswerAt: { type: Date },
    /** The thread's closed ticket this one follows: the customer wrote again after it closed. */
    previousTicketId: { type: Schema.Types.ObjectId, ref: 'Ticket' },
    queuedAt: { type: Date },
    assignedAt: { type: Date },
    resolvedAt: { type: Date },
    /** The last time a resolved ticket was opened again (the customer wrote, or a person reopened). */
    reopenedAt: { type: Date },
    closedAt: { type: Date },
    /** Service level (set by dispatch, src/dispatch): the policy, its state and the due times. */
    slaPolicy: { type: String },
    slaState: { type: String, enum: ['active', 'paused', 'met', 'breached'] },
    firstResponseDueAt: { type: Date },
    nextResponseDueAt: { type: Date },
    resolutionDueAt: { type: Date },
    /** Set when the ticket was handed to a supervisor (critical tier, SLA breach, agent's button). */
    supervisorEscalatedAt: { type: Date },
    /** The customer's answer to the satisfaction question after Resolve (src/desk/satisfaction.ts). */
    csatScore: { type: Number, min: 1, max: 5 },
    csatComment: { type: String },
    csatAt: { type: Date },
    /** Dispatch (src/dispatch): the tier, what the score is computed from, the skills needed. */
    tier: { type: String, enum: ['standard', 'urgent', 'critical'] },
    urgencyFacts: { type: Schema.Types.Mixed },
    requiredSkills: { type: [String], default: [] },
    /** The one live offer of a waiting ticket (the agent's slot is reserved meanwhile). */
    offer: {
      type: new Schema(
        { agentId: Schema.Types.ObjectId, offerId: String, expiresAt: Date },
        { _id: false },
      ),
    },
    /** Agents whose offer lapsed: the next offer goes to someone else. */
    offerDeclinedBy: { type: [Schema.Types.ObjectId], default: [] },
    /** When the SLA clock stopped while pending on the customer (unset: running). */
    slaPausedAt: { type: Date },
    /** An agent's first answer (firstResponseAt also counts the bot's): the SLA's first response. */
    agentRespondedAt: { type: Date },
    statusHistory: { type: [statusChangeSchema], default: [] },
  },
  { timestamps: true },
);
// The queue views and dispatch: waiting tickets by status then urgency; an agent's tickets.
ticketSchema.index({ status: 1, urgency: -1, queuedAt: 1 });
ticketSchema.index({ assigneeId: 1, status: 1 });
ticketSchema.index({ contactId: 1, createdAt: -1 });
// A contact's open ticket, which a new conversation on another channel joins (tickets.ts).
ticketSchema.index({ contactId: 1, status: 1 });
ticketSchema.index({ channel: 1, threadKey: 1 });

/**
 * The current ticket of a channel thread, `_id` = `<channel>.<threadKey>`. Swapped by a
 * conditional update when the previous ticket is closed, so two concurrent messages of a new
 * thread never open two tickets.
 */
const threadSchema = new Schema(
  { _id: { type: String }, ticketId: { type: Schema.Types.ObjectId, required: true } },
  { timestamps: true },
);

const counterSchema = new Schema({ _id: { type: String }, seq: { type: Number, default: 0 } });

const attachmentSchema = new Schema(
  {
    name: String,
    contentType: String,
    size: Number,
    url: String,
    /** An outbound message's file: the stored upload's id (src/pool/attachments.ts). */
    fileId: String,
  },
  { _id: false },
);

/**
 * `sending`: an attempt began and its outcome is not recorded yet; found by a later run, it means
 * the outcome was lost (a crash or a timeout), and the channel is asked before sending again.
 */
export const DELIVERY_STATUSES = [
  'received',
  'pending',
  'sending',
  'sent',
  'delivered',
  'failed',
] as const;

/**
 * `_id` is the idempotency key itself — `<channel>.<channelMessageId>` inbound, `sb.<cause key>`
 * outbound — so the unique _id index is the de-duplication guard, and every hot-path lookup is by
 * _id: FerretDB 1.x pushes only _id equality down to SQLite and scans for any other filter (on
 * PostgreSQL even _id equality scans unless the table has a GIN index on `_jsonb->'_id'`, which
 * the local PostgreSQL adds: see src/local/postgres-server.ts).
 */
const messageSchema = new Schema(
  {
    _id: { type: String },
    ticketId: { type: Schema.Types.ObjectId, required: true, ref: 'Ticket' },
    contactId: { type: Schema.Types.ObjectId, required: true, ref: 'Contact' },
    direction: { type: String, enum: ['in', 'out'], required: true },
    authorKind: { type: String, enum: ['customer', 'bot', 'agent', 'system'], required: true },
    authorId: { type: String },
    authorName: { type: String },
    channel: { type: String, enum: CHANNEL_IDS, required: true },
    /** Provider id for inbound; our own deterministic key for outbound. Unique with channel. */
    channelMessageId: { type: String, required: true },
    /** The id the provider gave an outbound message once sent (echo detection). */
    providerMessageId: { type: String },
    text: { type: String, default: '' },
    newText: { type: String },
    html: { type: String },
    markdown: { type: String },
    /**
     * Outbound, an agent's choice: sent on another channel than the ticket's, to this address of
     * the contact (e.g. an email to an API-channel customer). Unset: the ticket's own channel.
     */
    via: {
      type: new Schema(
        {
          channel: String,
          kind: String,
          value: String,
          threadKey: String,
          /** What that channel's send needs (the customer's own thread there). */
          channelData: Schema.Types.Mixed,
        },
        { _id: false },
      ),
    },
    /**
     * Outbound: what its delivery needs of the ticket (the address, the language, whether it was
     * answered), copied when the message is stored, so a send reads no ticket (issue 21). These
     * fields of a ticket do not change once it is open. Unset on older messages: their delivery
     * reads the ticket. Erasure scrubs it like the ticket's own fields.
     */
    ticketView: {
      type: new Schema(
        {
          channel: { type: String, enum: CHANNEL_IDS },
          threadKey: String,
          replyTo: { type: identitySchema },
          channelData: Schema.Types.Mixed,
          language: String,
          firstResponseAt: Date,
        },
        { _id: false },
      ),
    },
    /** Outbound: choices to offer as buttons ("did you mean" titles). */
    choices: { type: [String], default: undefined },
    subject: { type: String },
    attachments: { type: [attachmentSchema], default: [] },
    deliveryStatus: { type: String, enum: DELIVERY_STATUSES, required: true },
    deliveryError: { type: String },
    deliveryAttempts: { type: Number, default: 0 },
    /** When the attempts whose outcome is unknown began (set with `sending`, kept across them). */
    attemptStartedAt: { type: Date },
    /**
     * Bot outbound: the parts of the responder's decision not kept in the fields above (counted,
     * reason, language, sentiment), so a retried ingest job carries out this decision again
     * rather than deciding anew. No customer text.
     */
    decision: { type: Schema.Types.Mixed },
    /** Inbound: has the responder's decision been carried out (so a retried job resumes there)? */
    handled: { type: Boolean, default: false },
    intent: { type: String },
    score: { type: Number },
    language: { type: String },
    sentiment: { type: Number },
    channelData: { type: Schema.Types.Mixed, default: {} },
    receivedAt: { type: Date },
    sentAt: { type: Date },
  },
  { timestamps: true },
);
messageSchema.index({ channel: 1, channelMessageId: 1 }, { unique: true });
messageSchema.index({ ticketId: 1, createdAt: 1 });
messageSchema.index({ providerMessageId: 1 }, { sparse: true });
messageSchema.index({ deliveryStatus: 1, direction: 1 });

const agentSchema = new Schema(
  {
    /** Where the agent is known: `slack:<user id>`, `local:<login>`. */
    identity: { type: String, required: true, unique: true },
    displayName: { type: String, required: true },
    skills: { type: [String], default: [] },
    languages: { type: [String], default: [] },
    /** Keys of the teams the agent is in (teams.ts): their skills count as the agent's. */
    teams: { type: [String], default: [] },
    capacity: { type: Number, default: 5 },
    status: { type: String, enum: ['available', 'away', 'offline'], default: 'offline' },
    /** Supervisors get critical tickets and SLA breaches; agents get the queue. */
    role: { type: String, enum: ['agent', 'supervisor'], default: 'agent' },
    /** Unset: not an agent (see enrolment.ts); dispatch offers tickets to enrolled agents only. */
    enrolledVia: { type: String, enum: ['admin', 'slack-group'] },
    /** The tickets the agent holds (see agent-load.ts); `activeTickets` is its length. */
    activeTicketIds: { type: [Schema.Types.ObjectId], default: [] },
    activeTickets: { type: Number, default: 0 },
  },
  { timestamps: true },
);
agentSchema.index({ status: 1, activeTickets: 1 });

const auditEventSchema = new Schema(
  {
    actor: { type: String, required: true },
    action: { type: String, required: true },
    subject: { type: String, required: true },
    before: { type: Schema.Types.Mixed },
    after: { type: Schema.Types.Mixed },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
auditEventSchema.index({ subject: 1, at: -1 });
auditEventSchema.index({ at: -1 });

export type ContactDoc = InferSchemaType<typeof contactSchema> & { _id: Types.ObjectId };
export type TicketDoc = InferSchemaType<typeof ticketSchema> & { _id: Types.ObjectId };
export type MessageDoc = InferSchemaType<typeof messageSchema> & { _id: string };
export type AgentDoc = InferSchemaType<typeof agentSchema> & { _id: Types.ObjectId };
export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId };

/** Registers the pool's models on a connection (one per database, so tests can isolate). */
export function registerModels(connection: Connection) {
  return {
    Contact: connection.model('Contact', contactSchema),
    ContactIdentity: connection.model(
      'ContactIdentity',
      contactIdentitySchema,
      'contact_identities',
    ),
    Ticket: connection.model('Ticket', ticketSchema),
    Thread: connection.model('Thread', threadSchema),
    Counter: connection.model('Counter', counterSchema),
    Message: connection.model('Message', messageSchema),
    Agent: connection.model('Agent', agentSchema),
    AuditEvent: connection.model('AuditEvent', auditEventSchema, 'audit_events'),
    TicketNote: registerNoteModel(connection),
    MergeSuggestion: registerMergeSuggestionModel(connection),
  };
}

export type PoolModels = ReturnType<typeof registerModels>;
