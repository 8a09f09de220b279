/* health-widgets resize.js: tells the page that frames a widget how tall the widget is.
   Optional: every widget reads and works without it (links, expanders, the source list); it only
   spares the reader an inner scrollbar where the browser cannot size the frame by itself.
   Speaks two protocols, both by postMessage to the parent window:
   - WordPress's (wp-includes/js/wp-embed.js), when the frame's URL carries "#?secret=...":
     {message: "height", value, secret} and {message: "link", value, secret}; it answers
     WordPress's {message: "ready", secret} with the height again.
   - one generic message for any other page: {type: "health-widgets:height", height, src}.
   The height is not private (the document is public), so it goes to any parent ("*"). */
(function () {
  "use strict";
  if (window.parent === window) return;
  var match = /[#&?]secret=([A-Za-z0-9]{1,64})/.exec(location.hash);
  var secret = match ? match[1] : "";
  var canonical = document.querySelector('link[rel="canonical"]');
  var sent = 0;

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function report(force) {
    var value = height();
    if (value === sent && !force) return;
    sent = value;
    if (secret) window.parent.postMessage({ message: "height", value: value, secret: secret }, "*");
    window.parent.postMessage({ type: "health-widgets:height", height: value, src: location.href.split("#")[0] }, "*");
    // Chromium's responsive iframes measure once at load; this asks the parent to measure again.
    if (typeof window.requestResize === "function") window.requestResize();
  }

  // Where WordPress's sandbox (no allow-popups) blocks a new tab: our own pages open in the top
  // window through the "link" message; another site's URL goes to that source's entry on the
  // article page, our host (the only one wp-embed.js navigates to), where its link opens normally.
  function target(link) {
    if (link.host === location.host || !canonical) return link.href;
    // A source list's item carries its number; a citation card sits in a details "hw-<slug>-c<n><letter>".
    var item = link.closest("li[value], details.hw-cite[id]");
    var cited = item && item.tagName === "DETAILS" ? /-c([0-9]+)[a-z]+$/.exec(item.id) : null;
    var number = item && item.tagName === "LI" ? String(item.value) : cited && cited[1];
    var slug = /\/articles\/([a-z0-9-]+)$/.exec(canonical.href);
    if (!slug) return canonical.href;
    return canonical.href + "#hw-" + slug[1] + (number ? "-s" + number : "-sources");
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest('a[target="_blank"][href]') : null;
    if (!secret || !link || !/^https?:$/.test(link.protocol)) return;
    event.preventDefault();
    window.parent.postMessage({ message: "link", value: target(link), secret: secret }, "*");
  });
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source === window.parent && data && data.message === "ready" && data.secret === secret) report(true);
  });
  // toggle does not bubble: listen in the capture phase, for every <details> of the document.
  document.addEventListener("toggle", function () { report(false); }, true);
  window.addEventListener("resize", function () { report(false); });
  window.addEventListener("load", function () { report(true); });
  // Lazy parts arriving, fonts loading, a citation opening: anything else that changes the height.
  if (typeof ResizeObserver === "function") new ResizeObserver(function () { report(false); }).observe(document.documentElement);
  report(true);
})();
