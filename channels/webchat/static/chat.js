/* global window, document, fetch, navigator, setInterval, setTimeout, location, URLSearchParams, atob */
// The full-page chat: gets (or resumes) a Direct Line conversation from the gateway and renders
// Microsoft Web Chat on it. Served as /chat/app.js; its settings come from the page's
// <script type="application/json" id="switchboard-chat-config">.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('switchboard-chat-config').textContent);
  var domain = config.directLine;
  var STORAGE_KEY = 'switchboard.webchat.' + config.storageScope;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || 'null');
    } catch {
      return null;
    }
  }

  function save(session) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch {
      // Storage refused (private mode): the conversation just does not survive a reload.
    }
  }

  function showError(message) {
    var box = document.getElementById('webchat');
    box.textContent = '';
    var p = document.createElement('p');
    p.className = 'switchboard-error';
    p.textContent = message;
    box.appendChild(p);
  }

  // The signed user the host site passes in the fragment (`#user=<JSON>`: embed.js, or a link to
  // /chat): undefined when the fragment names nobody at all, null when it says "nobody signed in".
  function signedUser() {
    var params = new URLSearchParams(location.hash.slice(1));
    if (!params.has('user')) return undefined;
    try {
      var user = JSON.parse(params.get('user') || 'null');
      return user && typeof user === 'object' ? user : null;
    } catch {
      return null;
    }
  }

  // Which user a stored conversation belongs to: the signed user's id (a JWT's `sub`), '' for none.
  function userKey(user) {
    if (!user) return '';
    if (typeof user.id === 'string') return 'id:' + user.id;
    try {
      var part = String(user.jwt).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return 'id:' + JSON.parse(atob(part)).sub;
    } catch {
      return 'jwt';
    }
  }

  function field(form, label, input) {
    var wrap = document.createElement('label');
    wrap.textContent = label;
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }

  // The pre-chat form (WEBCHAT_PRECHAT_FORM): name and email, which the gateway keeps as what the
  // visitor claims (unverified). Resolves with the fields once submitted.
  function prechatForm() {
    return new Promise(function (resolve) {
      var box = document.getElementById('webchat');
      box.textContent = '';
      var form = document.createElement('form');
      form.id = 'switchboard-prechat';
      var intro = document.createElement('p');
      intro.textContent = 'Before we start: how can we reach you?';
      form.appendChild(intro);
      var name = document.createElement('input');
      name.name = 'name';
      name.maxLength = 100;
      name.autocomplete = 'name';
      field(form, 'Your name', name);
      var email = document.createElement('input');
      email.name = 'email';
      email.type = 'email';
      email.required = true;
      email.maxLength = 254;
      email.autocomplete = 'email';
      field(form, 'Your email', email);
      var submit = document.createElement('button');
      submit.type = 'submit';
      submit.textContent = 'Start chat';
      form.appendChild(submit);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        box.textContent = '';
        resolve({ name: name.value.trim(), email: email.value.trim() });
      });
      box.appendChild(form);
      name.focus();
    });
  }

  // A stored conversation whose token can still be refreshed is resumed, unless the site now names
  // another user than the one it was started for; otherwise a new one starts, for the signed user,
  // or with the pre-chat form's answers, or anonymous.
  async function session() {
    var user = signedUser();
    var key = userKey(user);
    var saved = load();
    var sameUser = saved && (user === undefined || (saved.userKey || '') === key);
    if (sameUser && saved.token && saved.conversationId && saved.userId) {
      var refreshed = await fetch(domain + '/tokens/refresh', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + saved.token },
      });
      if (refreshed.ok) {
        var body = await refreshed.json();
        saved.token = body.token;
        save(saved);
        return {
          token: saved.token,
          conversationId: saved.conversationId,
          userId: saved.userId,
          userKey: saved.userKey || '',
          resumed: true,
        };
      }
    }
    var request = user ? { user: user } : config.prechat ? { prechat: await prechatForm() } : null;
    var started = await fetch(domain + '/tokens/generate', {
      method: 'POST',
      headers: request ? { 'content-type': 'application/json' } : {},
      body: request ? JSON.stringify(request) : undefined,
    });
    if (!started.ok) {
      var reason = 'The chat is not available right now. Please try again later.';
      try {
        reason = (await started.json()).error.message || reason;
      } catch {
        // keep the generic reason
      }
      throw new Error(reason);
    }
    var grant = await started.json();
    var fresh = {
      token: grant.token,
      conversationId: grant.conversationId,
      userId: grant.userId,
      userKey: key,
    };
    save(fresh);
    return {
      token: fresh.token,
      conversationId: fresh.conversationId,
      userId: fresh.userId,
      userKey: key,
      resumed: false,
    };
  }

  async function main() {
    var s = await session();
    var directLine = window.WebChat.createDirectLine({
      domain: domain,
      token: s.token,
      conversationId: s.resumed ? s.conversationId : undefined,
      webSocket: true,
    });
    // Web Chat refreshes its token every 15 minutes; keep the stored one current for reloads.
    setInterval(function () {
      if (directLine.token && directLine.token !== s.token) {
        s.token = directLine.token;
        save({
          token: s.token,
          conversationId: s.conversationId,
          userId: s.userId,
          userKey: s.userKey,
        });
      }
    }, 60 * 1000);
    // The chat's own labels follow the conversation: the browser's language first, then the
    // language the bot answers in (its activities carry `locale`), e.g. zh-CN for a Chinese visitor.
    var locale = new URLSearchParams(location.search).get('lang') || navigator.language || 'en-US';
    var store = window.WebChat.createStore({}, function () {
      return function (next) {
        return function (action) {
          var activity = action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload.activity;
          if (activity && activity.from && activity.from.role === 'bot' && activity.locale) {
            if (activity.locale !== locale) {
              locale = activity.locale;
              setTimeout(render, 0);
            }
          }
          return next(action);
        };
      };
    });
    function render() {
      document.documentElement.lang = locale;
      window.WebChat.renderWebChat(
        {
          directLine: directLine,
          store: store,
          userID: s.userId,
          locale: locale,
          styleOptions: {
            accent: config.color,
            bubbleFromUserBackground: config.color,
            bubbleFromUserTextColor: '#ffffff',
            bubbleFromUserBorderColor: config.color,
            botAvatarInitials: config.initials,
            hideUploadButton: false,
            uploadAccept: config.uploadTypes.join(','),
            uploadMultiple: false,
          },
        },
        document.getElementById('webchat'),
      );
    }
    render();
    window.switchboardChat = {
      conversationId: s.conversationId,
      userId: s.userId,
      resumed: s.resumed,
    };
  }

  main().catch(function (error) {
    showError(error && error.message ? error.message : String(error));
  });
})();
