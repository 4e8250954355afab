// The parts of the admin API's answers (docs/admin-api.md, src/admin/openapi.ts) the console reads.
// Types only: the browser never loads this file.

export interface Article {
  key: string;
  id: string;
  locale: string;
  title: string;
  tags: string[];
  questions: string[];
  answer: string;
  answerHtml?: string;
  status: string;
  version: number;
  revision: number | null;
  updatedAt?: string;
  draft?: ArticleDraft | null;
}

export interface ArticleDraft {
  title: string;
  tags: string[];
  questions: string[];
  answer: string;
  by: string;
  at: string;
}

export interface Revision {
  revision: number;
  action: string;
  status: string;
  by: string;
  at: string;
}

export interface ModelLocale {
  locale: string;
  publishedHash: string;
  publishedArticles: number;
  live: boolean;
  trainedAt: string | null;
  training: string | null;
  expectedPrecision: number | null;
  answerRate: number | null;
}

export interface Agent {
  id: string;
  identity: string;
  displayName: string;
  enrolled: string | null;
  languages: string[];
  skills: string[];
  teams: string[];
  capacity: number;
  activeTickets: number;
  role: string;
  status: string;
}

export interface Team {
  key: string;
  name: string;
  skills: string[];
  slackChannel: string | null;
}

export interface TicketSummary {
  id: string;
  number: number;
  channel: string;
  status: string;
  subject: string | null;
  preview?: string | null;
  lastIntent?: string | null;
  urgency: number;
  slaState: string | null;
  assigneeId: string | null;
  tags: string[];
  createdAt: string;
}

export interface TicketDetail {
  ticket: TicketSummary & {
    priority: string;
    escalationReason: string | null;
    urgencyParts?: Array<{ reason: string; points: number }>;
  };
  transcript: Array<{
    direction: string;
    authorKind: string;
    authorName: string | null;
    channel: string;
    at: string;
    intent: string | null;
    score: number | null;
    html: string | null;
    text: string;
    deliveryError?: string | null;
  }>;
  contact: Contact | null;
  notes: Array<{
    authorName: string;
    source: string;
    at: string;
    text: string;
    notSentBecause?: string | null;
  }>;
  earlierTickets: Array<{
    id: string;
    number: number;
    status: string;
    channel: string;
    subject: string | null;
    createdAt: string;
  }>;
  replyChannels?: Array<{ channel: string; current: boolean; to: { value: string } }>;
}

export interface Contact {
  id: string;
  name: string | null;
  identities: Array<{ kind: string; value: string }>;
  erasedAt?: string | null;
  attributes?: {
    tier?: string;
    plan?: string;
    company?: string;
    custom?: Record<string, string>;
  };
}

export interface Suggestion {
  id: string;
  question: string;
  answer: string;
  kind: string;
  articleKey: string | null;
  ticketNumber: number | null;
  agentName: string | null;
}

export interface Negative {
  id: string;
  text: string;
  count: number;
  source: string;
  locale: string;
  articleId: string | null;
  agentAnswer: { agentName: string | null; text: string } | null;
}

export interface Retrain {
  id: string;
  trainedAt: string;
  locale: string;
  negatives: number;
  heldOut: { inScope: number; outOfScope: number };
  before: RetrainScores | null;
  after: RetrainScores;
  expectedPrecision: number | null;
}

export interface RetrainScores {
  answerPrecision: number | null;
  selfService: number | null;
}

export interface Dashboard {
  range: { bucket: string };
  truncated: boolean;
  volume: { buckets: string[]; series: Array<{ channel: string; counts: number[] }> };
  forecast: {
    hours: string[];
    actual: number[];
    forecast: number[];
    mape: number | null;
    runningHourActual: number;
    truncated: boolean;
    ahead: { hours: string[]; forecast: number[] };
  };
  selfService: { rate: number | null; finished: number; withoutAgent: number };
  firstContactResolution: { rate: number | null };
  botDeflection: { rate: number | null; tickets: number };
  firstResponse: Percentiles;
  agentFirstResponse: Percentiles & { count: number };
  resolution: Percentiles;
  sla: Record<string, number>;
  atRisk: unknown[];
  agentLoad: Array<{ name: string; active: number; capacity: number }>;
  csat: { average: number | null; responses: number; distribution: number[] };
}

export interface Percentiles {
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface AuditEvent {
  at: string;
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

export interface Account {
  email: string;
  displayName: string;
  role: string;
  slackUserId: string | null;
  disabled: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  role: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** An identity as the contact page shows it: verified or not (null: recorded before it was said). */
export interface ContactIdentity {
  kind: string;
  value: string;
  verified: boolean | null;
}

/** `GET /merge-suggestions` and the contact page: two contacts that may be one person. */
export interface MergeSuggestion {
  id: string;
  reason: string;
  status: 'open' | 'merged' | 'dismissed';
  identity: { kind: string; value: string };
  seen: number;
  contacts: Array<ContactHead & { mergedInto: string | null }>;
  updatedAt: string | null;
}

/** A contact as the contact page and the suggestions name one. */
export interface ContactHead {
  id: string;
  name: string | null;
  identities: ContactIdentity[];
}

/** `GET /contacts/:id`. */
export interface ContactPage {
  contact: ContactHead & {
    attributes: Record<string, unknown>;
    mergedInto: string | null;
    createdAt: string | null;
  };
  mergedFrom: Array<
    ContactHead & { mergedAt: string | null; mergedBy: string | null; canUnmerge: boolean }
  >;
  tickets: Array<{
    id: string;
    number: number;
    channel: string;
    status: string;
    subject: string | null;
    preview: string | null;
    createdAt: string | null;
    mergedFrom: string | null;
  }>;
  ticketsTruncated: boolean;
  suggestions: MergeSuggestion[];
}
