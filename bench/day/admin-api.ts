/**
 * The admin API as the bench's supervisor (the operator's ADMIN_TOKEN) and its console agent (a
 * signed-in account: session cookie and CSRF token) use it: the same HTTP a browser or a script
 * of the team would send.
 */
const PREFIX = '/api/v1/admin';

export interface TicketSummary {
  id: string;
  status: string;
  channel: string;
  priority: string;
  language: string | null;
  requiredSkills: string[];
  queuedAt: string | null;
  offeredTo: string | null;
  createdAt: string | null;
}

export interface AgentSummary {
  id: string;
  identity: string;
  role: string;
  status: string;
  capacity: number;
  activeTickets: number;
  languages: string[];
  skills: string[];
  teams: string[];
  enrolled: string | null;
}

export interface TicketDetail {
  ticket: { status: string; queuedAt?: string | null; number: number };
  assignee: { id: string; identity: string } | null;
  notes: Array<{ text: string; notSentBecause: string | null }>;
  status: string;
}

export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: { bearer: string } | { cookie: string; csrf: string },
  ) {}

  /** Signs in an account with its password, as the console's sign-in form does. */
  static async signIn(baseUrl: string, email: string, password: string): Promise<AdminApi> {
    const res = await fetch(`${baseUrl}${PREFIX}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { csrfToken: string };
    const cookie = (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    return new AdminApi(baseUrl, { cookie, csrf: body.csrfToken });
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if ('bearer' in this.auth) headers['authorization'] = `Bearer ${this.auth.bearer}`;
    else {
      headers['cookie'] = this.auth.cookie;
      headers['x-csrf-token'] = this.auth.csrf;
    }
    const res = await fetch(`${this.baseUrl}${PREFIX}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async ticket(id: string): Promise<TicketDetail> {
    const detail = await this.call<Omit<TicketDetail, 'status'>>('GET', `/tickets/${id}`);
    return { ...detail, status: detail.ticket.status };
  }

  async tickets(query: Record<string, string>): Promise<TicketSummary[]> {
    const all: TicketSummary[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.call<{ tickets: TicketSummary[]; total: number }>(
        'GET',
        `/tickets?${new URLSearchParams({ ...query, limit: '100', offset: String(offset) })}`,
      );
      all.push(...page.tickets);
      if (page.tickets.length < 100) return all;
    }
  }

  async agents(): Promise<AgentSummary[]> {
    return (await this.call<{ agents: AgentSummary[] }>('GET', '/agents')).agents;
  }

  async teams(): Promise<Array<{ key: string; skills: string[] }>> {
    return (await this.call<{ teams: Array<{ key: string; skills: string[] }> }>('GET', '/teams'))
      .teams;
  }

  /** Polls `probe` until it gives a value (or throws after `timeoutMs`). */
  async until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('gave up waiting');
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
}
