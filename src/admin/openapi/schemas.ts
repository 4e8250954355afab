/**
 * The shapes of the admin API's answers, for its OpenAPI document (src/admin/openapi.ts) and the
 * operations the routers declare (src/admin/routes.ts). The API does not validate what it sends,
 * so these only describe it.
 */
import { z } from 'zod';
import { ARTICLE_STATUSES } from '../../domain/article.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import { CHANNEL_IDS } from '../../domain/message.ts';
import { PRIORITIES, TICKET_STATUSES } from '../../domain/ticket.ts';
import { NEGATIVE_SOURCES, NEGATIVE_STATUSES } from '../../nlu/negatives.ts';
import { ADMIN_ROLES } from '../../accounts/models.ts';
import { NOTE_SOURCES } from '../../pool/notes.ts';

export const Timestamp = z.iso.datetime().meta({ description: 'ISO 8601 date and time' });
export const Role = z.enum(ADMIN_ROLES);

/** `{ error: { code, message, field? } }`: every refusal of the API. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]])
        .meta({ description: 'A stable code of the error catalogue (docs/errors.md).' }),
      message: z.string().meta({ description: 'What went wrong, for people.' }),
      field: z.string().optional().meta({
        description: 'The refused input as a dotted path (`email`, `questions.2`), on 400s.',
      }),
    }),
  })
  .meta({ id: 'Error' });

export const AccountView = z
  .object({
    email: z.string(),
    displayName: z.string(),
    role: Role,
    disabled: z.boolean(),
    slackUserId: z.string().nullable(),
    agentId: z.string().nullable().meta({ description: 'The linked Agent record (Slack desk).' }),
    lastLoginAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Account' });

export const FailedDeliveryView = z
  .object({
    messageId: z.string(),
    ticketId: z.string(),
    channel: z.string(),
    authorKind: z.string(),
    status: z.enum(['failed', 'pending', 'sending']),
    error: z.string().nullable(),
    attempts: z.number().int(),
    createdAt: Timestamp,
  })
  .meta({ id: 'FailedDelivery' });

export const IntegrationView = z
  .object({
    id: z.string(),
    name: z.string(),
    callbackUrl: z.string().nullable(),
    disabled: z.boolean(),
    /** Its customers' emails and phones are proven: they link contacts (docs/tickets.md). */
    verifiesIdentities: z.boolean(),
    createdAt: Timestamp,
  })
  .meta({ id: 'Integration' });

export const TokenView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    createdBy: z.string(),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const ArticleContent = {
  id: z.string(),
  locale: z.string(),
  title: z.string(),
  tags: z.array(z.string()),
  questions: z.array(z.string()),
  answer: z.string().meta({ description: 'Markdown.' }),
};

export const ArticleView = z
  .object({
    key: z.string().meta({ example: 'order-status.en' }),
    ...ArticleContent,
    status: z.enum(ARTICLE_STATUSES),
    version: z.number().int(),
    updatedBy: z.string().nullable().optional(),
    updatedAt: Timestamp.nullable().optional(),
  })
  .meta({ id: 'Article' });

export const Revision = z
  .object({
    revision: z.number().int(),
    action: z.string().meta({
      description: 'create, edit, publish, unpublish, rollback, suggestion or baseline',
    }),
    version: z.number().int(),
    status: z.enum(ARTICLE_STATUSES),
    content: z.object(ArticleContent),
    by: z.string(),
    at: Timestamp,
    note: z.string().nullable(),
  })
  .meta({ id: 'ArticleRevision' });

export const RevisionChange = z.object({ changed: z.boolean(), revision: Revision });

export const BotAnswer = z
  .object({
    text: z.string(),
    locale: z.string(),
    intent: z.string().nullable(),
    title: z.string().nullable(),
    score: z.number(),
    runnersUp: z.array(
      z.object({ intent: z.string(), title: z.string().nullable(), score: z.number() }),
    ),
    action: z.enum(['reply', 'escalate']),
    reason: z.string().nullable(),
    answer: z.string().nullable(),
    answerHtml: z.string().nullable(),
    modelHash: z.string().nullable(),
    live: z
      .boolean()
      .meta({ description: 'false while a retraining is pending: the previous model answered' }),
  })
  .meta({ id: 'BotAnswer' });

export const TicketSummary = z.object({
  id: z.string(),
  number: z.number().int(),
  channel: z.enum(CHANNEL_IDS),
  status: z.enum(TICKET_STATUSES),
  subject: z.string().nullable(),
  urgency: z.number(),
  priority: z.enum(PRIORITIES),
  assigneeId: z.string().nullable(),
  slaState: z.string().nullable(),
  tags: z.array(z.string()),
  lastIntent: z.string().nullable(),
  escalationReason: z.string().nullable(),
  language: z.string().nullable(),
  requiredSkills: z.array(z.string()),
  queuedAt: Timestamp.nullable(),
  offeredTo: z
    .string()
    .nullable()
    .meta({ description: 'The agent a waiting ticket is offered to now, if any.' }),
  createdAt: Timestamp.nullable(),
});

/** A ticket as stored: the fields the console reads, and more. */
export const StoredTicket = z
  .looseObject({
    _id: z.string(),
    number: z.number().int(),
    channel: z.enum(CHANNEL_IDS),
    status: z.enum(TICKET_STATUSES),
    urgency: z.number(),
    urgencyParts: z.array(z.looseObject({ reason: z.string(), points: z.number() })),
    priority: z.enum(PRIORITIES),
    tags: z.array(z.string()),
  })
  .meta({ id: 'Ticket' });

export const TicketResult = z.object({ ticket: StoredTicket });

/** An agent as `GET /agents` lists it. */
export const AgentOut = z.object({
  id: z.string(),
  identity: z.string(),
  displayName: z.string(),
  role: z.string(),
  status: z.string(),
  capacity: z.number().int(),
  activeTickets: z.number().int(),
  languages: z.array(z.string()),
  skills: z.array(z.string()),
  teams: z.array(z.string()),
  enrolled: z.enum(['admin', 'slack-group']).nullable(),
});

/** An edit of a published article kept aside until it is published. */
export const ArticleDraftOut = z.object({
  title: z.string(),
  tags: z.array(z.string()),
  questions: z.array(z.string()),
  answer: z.string(),
  answerHtml: z.string(),
  baseRevision: z.number().int(),
  by: z.string(),
  at: Timestamp,
});

export const TeamOut = z.object({
  key: z.string(),
  name: z.string(),
  skills: z.array(z.string()),
  slackChannel: z.string().nullable(),
});

/** A question in the review queue of uncovered questions. */
export const Negative = z.object({
  id: z.string(),
  locale: z.string(),
  text: z.string(),
  source: z.enum(NEGATIVE_SOURCES).meta({
    description:
      'Why it was collected: `unhelpful` (the customer said the answer did not help) or `agent-answered` (handed over as uncovered, answered by an agent with something the knowledge base does not contain).',
  }),
  articleId: z.string().nullable(),
  agentAnswer: z
    .object({
      text: z.string(),
      agentName: z.string().nullable(),
      ticketId: z.string(),
      at: Timestamp,
    })
    .nullable()
    .meta({ description: "An agent's answer to the question, the newest ticket's." }),
  ticketId: z.string(),
  status: z.enum(NEGATIVE_STATUSES),
  count: z.number(),
  reviewedBy: z.string().nullable(),
  reviewedAt: Timestamp.nullable(),
  articleKey: z.string().nullable(),
});

/** How a model does on the held-out slice (direct answers at its own threshold). */
export const SliceMetrics = z.object({
  questions: z.number().int(),
  inScope: z.number().int(),
  answered: z.number().int(),
  right: z.number().int(),
  answerPrecision: z.number().nullable(),
  selfService: z.number().nullable(),
  wrongAnswersPer100: z.number().nullable(),
});

export const Retrain = z.object({
  id: z.string(),
  locale: z.string(),
  hash: z.string(),
  previousHash: z.string().nullable(),
  trainedAt: Timestamp,
  trainSeconds: z.number(),
  articles: z.number().int(),
  negatives: z.number().int().meta({ description: 'Collected negatives trained as oos.' }),
  threshold: z.number(),
  expectedPrecision: z.number().nullable(),
  answerRate: z.number().nullable(),
  heldOut: z.object({ inScope: z.number().int(), outOfScope: z.number().int() }),
  before: SliceMetrics.nullable().meta({
    description: 'The previous model on the same slice; null for the first training.',
  }),
  after: SliceMetrics,
});

/** An internal note as the ticket view shows it. */
export const Note = z.object({
  id: z.string(),
  at: Timestamp.nullable(),
  authorName: z.string(),
  source: z.enum(NOTE_SOURCES),
  text: z.string(),
  notSentBecause: z.string().nullable(),
});

export const Suggestion = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    ticketNumber: z.number().int().nullable(),
    locale: z.string(),
    question: z.string(),
    answer: z.string(),
    agentName: z.string().nullable(),
    kind: z.enum(['variant', 'article']),
    articleKey: z.string().nullable(),
    status: z.enum(['pending', 'approved', 'dismissed']),
    createdAt: Timestamp,
    decidedBy: z.string().nullable(),
    decidedAt: Timestamp.nullable(),
    resultKey: z.string().nullable(),
  })
  .meta({ id: 'Suggestion' });

export const Percentiles = z.looseObject({
  count: z.number().int(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
});

export const Dashboard = z
  .looseObject({
    range: z.object({
      from: Timestamp,
      to: Timestamp,
      channel: z.string().nullable(),
      bucket: z.enum(['hour', 'day']),
    }),
    truncated: z.boolean(),
    volume: z.object({
      buckets: z.array(z.string()),
      series: z.array(z.object({ channel: z.string(), counts: z.array(z.number()) })),
    }),
    selfService: z.looseObject({ finished: z.number(), rate: z.number().nullable() }),
    firstContactResolution: z.object({
      finished: z.number(),
      withoutReopen: z.number(),
      rate: z.number().nullable(),
    }),
    botDeflection: z.object({
      tickets: z.number(),
      withoutAgent: z.number(),
      rate: z.number().nullable(),
    }),
    firstResponse: Percentiles,
    agentFirstResponse: Percentiles,
    resolution: Percentiles,
    sla: z.record(z.string(), z.number()),
    atRisk: z.array(z.looseObject({ id: z.string(), number: z.number(), dueAt: Timestamp })),
    agentLoad: z.array(z.looseObject({ id: z.string(), name: z.string(), active: z.number() })),
    csat: z.looseObject({ responses: z.number(), average: z.number().nullable() }),
  })
  .meta({ id: 'Dashboard' });

export const AuditEvent = z
  .object({
    actor: z.string().meta({ description: '`account:<email>`, `token:<id>` or `operator`' }),
    action: z.string(),
    subject: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    at: Timestamp,
  })
  .meta({ id: 'AuditEvent' });

export const Contact = z.object({
  id: z.string(),
  name: z.string().nullable(),
  identities: z.array(z.looseObject({ kind: z.string(), value: z.string() })),
  erasedAt: Timestamp.nullable(),
  createdAt: Timestamp.nullable(),
});

/** A message as stored (the tickets API's transcript). */
export const StoredMessage = z
  .looseObject({
    _id: z.string(),
    ticketId: z.string(),
    direction: z.enum(['in', 'out']),
    authorKind: z.enum(['customer', 'bot', 'agent', 'system']),
    authorName: z.string().optional(),
    channel: z.enum(CHANNEL_IDS),
    text: z.string(),
    deliveryStatus: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'StoredMessage' });

/** Dispatch's view of a ticket (src/http/tickets-api.ts). */
export const DispatchView = z
  .object({
    urgency: z.number(),
    urgencyParts: z.array(z.looseObject({ reason: z.string(), points: z.number() })),
    urgencyExplained: z.string().meta({ example: 'double charge +14, angry +6' }),
    tier: z.enum(['standard', 'urgent', 'critical']).nullable(),
    priority: z.enum(PRIORITIES),
    requiredSkills: z.array(z.string()),
    sla: z.object({
      policy: z.string().nullable(),
      state: z.enum(['active', 'paused', 'met', 'breached']).nullable(),
      firstResponseDueAt: Timestamp.nullable(),
      nextResponseDueAt: Timestamp.nullable(),
      resolutionDueAt: Timestamp.nullable(),
      firstResponseAt: Timestamp.nullable(),
      agentRespondedAt: Timestamp.nullable(),
    }),
  })
  .meta({ id: 'DispatchView' });

export const DemandForecast = z
  .object({
    generatedAt: Timestamp,
    hours: z.array(
      z.object({
        hour: Timestamp.meta({ description: 'Start of the hour (UTC).' }),
        byChannel: z.record(z.string(), z.number()),
        total: z.number(),
        agentsNeeded: z.number().int().meta({
          description: 'Agents needed (Erlang C) to answer within the first-response target.',
        }),
      }),
    ),
  })
  .meta({ id: 'DemandForecast' });

/** `GET /tickets/:id`: the ticket view of the console. */
export const TicketView = z.object({
  ticket: StoredTicket,
  contact: z
    .object({
      id: z.string(),
      name: z.string().nullable(),
      identities: z.array(z.unknown()),
      attributes: z.record(z.string(), z.unknown()),
    })
    .nullable(),
  assignee: z.object({ id: z.string(), displayName: z.string(), identity: z.string() }).nullable(),
  notes: z.array(Note),
  replyChannels: z
    .array(
      z.object({
        channel: z.enum(CHANNEL_IDS),
        to: z.object({ kind: z.string(), value: z.string() }),
        current: z.boolean(),
      }),
    )
    .meta({
      description:
        "Where an agent may answer: the ticket's own channel first, then the contact's other addresses on channels this gateway sends on (POST /tickets/{id}/reply with `channel`).",
    }),
  earlierTickets: z.array(
    z.object({
      id: z.string(),
      number: z.number(),
      status: z.enum(TICKET_STATUSES),
      channel: z.enum(CHANNEL_IDS),
      subject: z.string().nullable(),
      createdAt: Timestamp.nullable(),
    }),
  ),
  transcript: z.array(
    z.looseObject({
      id: z.string(),
      at: Timestamp.nullable(),
      channel: z.enum(CHANNEL_IDS),
      direction: z.enum(['inbound', 'outbound']),
      authorKind: z.string(),
      authorName: z.string().nullable(),
      text: z.string(),
      intent: z.string().nullable(),
      score: z.number().nullable(),
      deliveryError: z
        .string()
        .nullable()
        .meta({ description: 'Why an answer was not delivered (failed for good).' }),
    }),
  ),
});
