/* global window, document, SWITCHBOARD_CHAT */
// The chat bubble: one <script src="https://<gateway>/chat/embed.js" async></script> on any page
// adds a round button that opens the gateway's /chat in a panel. The gateway wraps this file in
// a function whose SWITCHBOARD_CHAT argument holds the brand name and colour.
(function () {
  'use strict';
  if (window.__switchboardChatBubble) return;
  window.__switchboardChatBubble = true;

  // The gateway's base URL (WEBCHAT_PUBLIC_URL, or the host this script was served from).
  var origin = SWITCHBOARD_CHAT.origin;
  var color = SWITCHBOARD_CHAT.color;
  var name = SWITCHBOARD_CHAT.brandName;

  var panel = document.createElement('iframe');
  panel.title = name + ' chat';
  panel.setAttribute('data-switchboard-chat', 'panel');
  panel.style.cssText =
    'position:fixed;right:20px;bottom:92px;width:370px;max-width:calc(100vw - 40px);' +
    'height:560px;max-height:calc(100vh - 120px);border:0;border-radius:12px;' +
    'box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;z-index:2147483000;display:none;';

  var button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', 'Chat with ' + name);
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('data-switchboard-chat', 'bubble');
  button.title = 'Chat with ' + name;
  button.style.cssText =
    'position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;' +
    'background:' +
    color +
    ';color:#fff;cursor:pointer;z-index:2147483000;' +
    'box-shadow:0 4px 16px rgba(0,0,0,.3);font:600 26px/60px sans-serif;padding:0;';
  // Inline SVG icons, not the 💬 emoji: a machine without an emoji font shows an empty box.
  var SVG = 'http://www.w3.org/2000/svg';
  function icon(d) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '28');
    svg.setAttribute('height', '28');
    svg.setAttribute('aria-hidden', 'true');
    svg.style.cssText = 'display:block;margin:auto;';
    var path = document.createElementNS(SVG, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', d);
    svg.appendChild(path);
    return svg;
  }
  var CHAT_ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z';
  var CLOSE_ICON =
    'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';
  function showIcon(d) {
    button.replaceChildren(icon(d));
  }
  showIcon(CHAT_ICON);

  // The signed user the page sets before the first open (`window.switchboardChatSettings.user`:
  // id, email, name and hash, or a jwt; docs/identity.md), in the fragment, which is never sent
  // to a server. An empty `user` says nobody is signed in (not the last signed user's chat).
  function chatUrl() {
    var settings = window.switchboardChatSettings || {};
    var user = settings.user ? encodeURIComponent(JSON.stringify(settings.user)) : '';
    return origin + '/chat?embed=1#user=' + user;
  }

  button.addEventListener('click', function () {
    var open = panel.style.display === 'none';
    // The conversation starts on the first open, not on every page view.
    if (open && !panel.src) panel.src = chatUrl();
    panel.style.display = open ? 'block' : 'none';
    button.setAttribute('aria-expanded', String(open));
    showIcon(open ? CLOSE_ICON : CHAT_ICON);
  });

  function attach() {
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
