// Follows a running sync (or one due to start) on the Bill Syncing page: polls the status JSON, redraws the
// progress bars, and reloads the page when the run ends so every section is current.
// What the person was just told (a flash, shown once) is carried across that reload.
(function () {
  "use strict";
  var KEPT = "billsync-flashes";
  var flashes = document.getElementById("flashes");
  var kept = window.sessionStorage.getItem(KEPT);
  window.sessionStorage.removeItem(KEPT);
  if (flashes && kept && !flashes.children.length) flashes.innerHTML = kept;
  var box = document.getElementById("sync-status");
  if (!box || box.dataset.running !== "true") return;
  var live = document.getElementById("live");
  var every = parseFloat(box.dataset.pollSeconds || "1.5") * 1000;
  // A reload must not undo a link or button the person just used while the run ended.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });

  function row(p) {
    var div = document.createElement("div");
    div.className = "progress";
    var name = document.createElement("span");
    name.textContent = p.kind;
    var bar = document.createElement("progress");
    bar.max = p.total || 1;
    bar.value = p.done;
    var text = document.createElement("span");
    text.textContent = p.done + " / " + (p.total || "?") + (p.failed ? ", " + p.failed + " failed" : "");
    div.append(name, bar, text);
    return div;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        if (leaving) return;
        // The run ended, or the run the page was waiting for began: the page is drawn anew.
        if (!s.running || (s.current_run && String(s.current_run.id) !== box.dataset.runId)) {
          if (flashes && flashes.children.length) window.sessionStorage.setItem(KEPT, flashes.innerHTML);
          window.location.reload();
          return;
        }
        // The first line, since when and why, stays as the page drew it (its time in the firm's zone).
        live.replaceChildren(live.firstElementChild);
        if (s.current_run) s.current_run.progress.forEach(function (p) { live.append(row(p)); });
        setTimeout(poll, every);
      })
      .catch(function () { setTimeout(poll, every * 4); });
  }
  setTimeout(poll, every);
})();
