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
      followRequest(label, body.request_id, 60);  // up to 30 s
    } else {
      flash(label + ": done.", false);
      if (element.hasAttribute("data-refresh-panel")) refreshPanel();
    }
  });

  // ---- admin pages: forms and buttons that call the operator API with JSON.

  function csrfToken() { return document.body.dataset.csrfToken || ""; }

  function callApi(method, url, body, contentType) {
    var headers = { "X-CSRF-Token": csrfToken() };
    if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
    return fetch(url, { method: method, headers: headers, credentials: "same-origin",
                        body: body === undefined ? undefined : (contentType ? body : JSON.stringify(body)) })
      .then(function (response) {
        return response.text().then(function (text) {
          var parsed = {};
          try { parsed = text ? JSON.parse(text) : {}; } catch (e) { parsed = { error: text }; }
          return { ok: response.ok, status: response.status, body: parsed };
        });
      });
  }

  // The value of one input as the API expects it, or undefined to leave it out.
  function inputValue(input) {
    var type = input.dataset.type;
    if (type === "bool") return input.checked;
    var text = input.value.trim();
    if (text === "") {
      if (input.hasAttribute("data-nullable")) return null;
      if (type || input.hasAttribute("data-optional")) return undefined;
      return "";
    }
    if (type === "int") return parseInt(text, 10);
    if (type === "number") return Number(text);
    if (type === "instant") return new Date(text).toISOString();  // the browser's zone → an instant
    return text;
  }

  // The JSON object of `root`'s inputs: checkbox groups as lists of ids, row
  // groups ([data-rows]) as lists of objects.
  function collect(root, isRow) {
    var body = {};
    root.querySelectorAll("[data-field]").forEach(function (input) {
      if (!isRow && input.closest("[data-rows]")) return;
      var name = input.dataset.field;
      if (input.dataset.type === "int-list") {
        if (!Array.isArray(body[name])) body[name] = [];
        if (input.checked) body[name].push(parseInt(input.value, 10));
        return;
      }
      var value = inputValue(input);
      if (value !== undefined) body[name] = value;
    });
    if (!isRow) {
      root.querySelectorAll("[data-rows]").forEach(function (group) {
        body[group.dataset.rows] = Array.prototype.map.call(
          group.querySelectorAll("[data-row-list] > [data-row]"), function (row) { return collect(row, true); });
      });
    }
    return body;
  }

  function showResult(result, label, errorBox) {
    if (result.ok) {
      var summary = Object.assign({}, result.body);
      delete summary.ok;
      flash(label + ": " + (Object.keys(summary).length ? describeResult(JSON.stringify(summary)) : "done") + ".", false);
      if (errorBox) errorBox.hidden = true;
      return true;
    }
    var message = result.body.error || "failed (HTTP " + result.status + ")";
    flash(label + ": " + message, true);
    if (errorBox) { errorBox.textContent = message; errorBox.hidden = false; }
    return false;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset.api) return;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    callApi(form.dataset.method || "POST", form.dataset.api, collect(form, false)).then(function (result) {
      if (button) button.disabled = false;
      if (showResult(result, (button ? button.textContent : "Save").trim(), form.querySelector("[data-error]"))) {
        setTimeout(function () { location.reload(); }, 600);
      }
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.hasAttribute("data-add-row")) {
      var group = target.closest("[data-rows]");
      group.querySelector("[data-row-list]").appendChild(group.querySelector("template").content.cloneNode(true));
      return;
    }
    if (target.hasAttribute("data-remove-row")) {
      target.closest("[data-row]").remove();
      return;
    }
    if (!target.dataset.action) return;
    if (target.dataset.confirm && !window.confirm(target.dataset.confirm)) return;
    var label = target.textContent.trim();
    var body = target.dataset.body ? JSON.parse(target.dataset.body) : undefined;
    target.disabled = true;
    callApi(target.dataset.method || "POST", target.dataset.action, body).then(function (result) {
      target.disabled = false;
      if (showResult(result, label, null) && !/test/i.test(label)) setTimeout(function () { location.reload(); }, 600);
    });
  });

  // Enrollment photos: each file is its own request, and each gets its answer.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.dataset.upload) return;
    var results = input.closest("td").querySelector("[data-upload-results]");
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + ": uploading…";
      results.appendChild(item);
      callApi("POST", input.dataset.upload, file, file.type || "application/octet-stream").then(function (result) {
        item.className = result.ok ? "" : "error";
        item.textContent = file.name + (result.ok
          ? ": enrolled (face " + Math.round(result.body.face_px) + " px)"
          : ": rejected — " + (result.body.error || "HTTP " + result.status));
      });
    });
    input.value = "";
  });

  document.addEventListener("DOMContentLoaded", function () {
    startAutoRefresh();
    // Every handler is in place: tests (and anything else) may now act on the page.
    document.documentElement.dataset.biskReady = "1";
  });
})();
