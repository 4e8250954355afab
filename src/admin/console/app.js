// @ts-check
/* global window */
// The Switchboard admin console: plain ES modules, no build step. It talks only to the documented
// REST API under /api/v1/admin (docs/admin-api.md), through api.js. Text from the server is always
// put in the page as text; the only HTML inserted is what the server rendered and sanitized.
//
// This entry module registers the views (views/, one module each) with the router, and starts.

import { whenSignedOut } from './api.js';
import { route, setViews } from './router.js';
import { bindLogout, renderLogin, start } from './session.js';
import { viewAccounts } from './views/accounts.js';
import { viewAgents } from './views/agents.js';
import { viewArticle } from './views/article.js';
import { viewAudit } from './views/audit.js';
import { viewContact } from './views/contact.js';
import { viewContacts } from './views/contacts.js';
import { viewDashboard } from './views/dashboard.js';
import { viewKnowledge } from './views/knowledge.js';
import { viewLearning } from './views/learning.js';
import { viewMergeSuggestions } from './views/merge-suggestions.js';
import { viewTicket } from './views/ticket.js';
import { viewTickets } from './views/tickets.js';

setViews(
  {
    kb: viewKnowledge,
    article: viewArticle,
    tickets: viewTickets,
    ticket: viewTicket,
    learning: viewLearning,
    dashboard: viewDashboard,
    audit: viewAudit,
    contacts: viewContacts,
    contact: viewContact,
    merges: viewMergeSuggestions,
    accounts: viewAccounts,
    agents: viewAgents,
  },
  viewKnowledge,
);
whenSignedOut(() => renderLogin());
bindLogout();
window.addEventListener('hashchange', route);
void start();
