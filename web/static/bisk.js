// BISK dashboard behaviour: the panel's auto-refresh and feedback for actions.
// htmx does the requests; this file only decides when, and reports results.
(function () {
  "use strict";

  var REFRESH_KEY = "bisk:refresh-seconds";

  function flash(message, isError) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = message;
    box.className = isError ? "flash error" : "flash";
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  function refreshPanel() {
    var panel = document.getElementById("panel");
    if (!panel || !window.htmx) return;
    htmx.ajax("GET", panel.dataset.panelUrl, { target: "#panel", swap: "innerHTML" });
  }

  // Auto-refresh: N seconds (0 = off), remembered per browser, paused while the tab is hidden.
  function startAutoRefresh() {
    var input = document.getElementById("refresh-seconds");
    var state = document.getElementById("refresh-state");
    if (!input || !state) return;
    var stored = localStorage.getItem(REFRESH_KEY);
    if (stored !== null && /^\d+$/.test(stored)) input.value = stored;
    var left = Number(input.value);

    function seconds() {
      var value = Number(input.value);
      return Number.isInteger(value) && value >= 0 ? value : Number(input.dataset.default);
    }
    function show() {
      if (seconds() === 0) state.textContent = "off";
      else if (document.hidden) state.textContent = "paused";
      else state.textContent = "next in " + left + " s";
    }
    input.addEventListener("change", function () {
      localStorage.setItem(REFRESH_KEY, String(seconds()));
      left = seconds();
      show();
    });
    document.addEventListener("visibilitychange", show);
    setInterval(function () {
      if (seconds() === 0 || document.hidden) return show();
      left -= 1;
      if (left <= 0) {
        left = seconds();
        refreshPanel();
      }
      show();
    }, 1000);
    show();
  }

  // "started 1, stopped 0, …" (lists counted) from the enforcer's JSON result; other text as it is.
  function describeResult(result) {
    try {
      var parsed = JSON.parse(result);
      if (parsed && typeof parsed === "object") {
        return Object.keys(parsed).map(function (key) {
          var value = Array.isArray(parsed[key]) ? parsed[key].length : parsed[key];
          return key.replace(/_/g, " ") + " " + value;
        }).join(", ");
      }
    } catch (e) { /* plain text */ }
    return result;
  }

  // Runner actions and "Enforce now" are requests the enforcer carries out:
  // follow the request until it is handled and say what came of it.
  function followRequest(label, id, triesLeft) {
    fetch("/api/v1/enforcer/requests/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (request) {
        if (request.handled_at) {
          flash(label + ": " + describeResult(request.result || "done") + ".", false);
          refreshPanel();
        } else if (triesLeft > 0) {
          setTimeout(function () { followRequest(label, id, triesLeft - 1); }, 500);
        } else {
          flash(label + ": requested; the enforcer has not answered yet — is it running?", true);
        }
      })
      .catch(function () { flash(label + ": requested; its outcome could not be read.", true); });
  }

  // Actions answer the operator API's JSON: say what happened.
  document.addEventListener("htmx:afterRequest", function (event) {
    var element = event.detail.elt;
    if (!element.hasAttribute("data-flash")) return;
    var label = (element.textContent || "").trim();
    var body = {};
    try { body = JSON.parse(event.detail.xhr.responseText || "{}"); } catch (e) { body = {}; }
    if (!event.detail.successful) {
      flash(body.error || label + " failed (HTTP " + event.detail.xhr.status + ").", true);
    } else if (body.request_id) {
      flash(label + ": requested…", false);
      followRequest(label, body.request_id, 20);
    } else {
      flash(label + ": done.", false);
      if (element.hasAttribute("data-refresh-panel")) refreshPanel();
    }
  });

  document.addEventListener("DOMContentLoaded", startAutoRefresh);
})();
