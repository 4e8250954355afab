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
  button.textContent = '\u{1F4AC}';

  button.addEventListener('click', function () {
    var open = panel.style.display === 'none';
    // The conversation starts on the first open, not on every page view.
    if (open && !panel.src) panel.src = origin + '/chat?embed=1';
    panel.style.display = open ? 'block' : 'none';
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? '\u00D7' : '\u{1F4AC}';
  });

  function attach() {
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
