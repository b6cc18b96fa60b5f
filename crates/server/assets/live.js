// Live updates for pages with a [data-live] root: listens to /live (server-sent events) and, a
// moment after the tenant's data changes, fetches the page again and swaps in its parts
// ([data-part] elements, matched by id). Forms being edited are left alone, and so is the page
// while a control inside a part has the focus. Without script the page is simply static.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var status = document.getElementById("live-status");
  var timer = null;
  var busy = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function refresh() {
    timer = null;
    var focused = document.activeElement;
    if (busy || (focused && focused.closest && focused.closest("[data-part]"))) {
      timer = setTimeout(refresh, 2000);
      return;
    }
    busy = true;
    fetch(root.getAttribute("data-live"), { credentials: "same-origin", redirect: "error" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        root.querySelectorAll("[data-part]").forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (next) {
            part.replaceWith(document.importNode(next, true));
          }
        });
        say("Updated " + new Date().toLocaleTimeString() + ".");
      })
      .catch(function () {
        say("Live updates paused; reload the page to resume.");
      })
      .finally(function () {
        busy = false;
      });
  }

  var source = new EventSource(root.getAttribute("data-events"));
  source.addEventListener("change", function () {
    // Many events arrive together (an agent run writes several); refresh once after them.
    if (timer === null) {
      timer = setTimeout(refresh, 1500);
    }
  });
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      say("Live updates stopped; reload the page to resume.");
    }
  };
})();
