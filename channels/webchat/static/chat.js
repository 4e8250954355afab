/* global window, document, fetch, navigator, setInterval, setTimeout, location, URLSearchParams */
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

  // A stored conversation whose token can still be refreshed is resumed; otherwise a new one starts.
  async function session() {
    var saved = load();
    if (saved && saved.token && saved.conversationId && saved.userId) {
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
          resumed: true,
        };
      }
    }
    var started = await fetch(domain + '/tokens/generate', { method: 'POST' });
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
    var fresh = { token: grant.token, conversationId: grant.conversationId, userId: grant.userId };
    save(fresh);
    return {
      token: fresh.token,
      conversationId: fresh.conversationId,
      userId: fresh.userId,
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
        save({ token: s.token, conversationId: s.conversationId, userId: s.userId });
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
