/* Leaders' summary export, without inline script (the CSP forbids it):
   - fills the sector list of each "Xuất báo cáo" button from the server;
   - on an export's page, polls its status, moves the progress bar and shows
     the download link (or the error) when the report is ready. */
(function () {
  "use strict";

  function fillSectors(select) {
    var url = select.getAttribute("data-export-sectors-url");
    if (!url || select.getAttribute("data-export-filled")) { return; }
    select.setAttribute("data-export-filled", "1");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) {
        (body.results || []).forEach(function (sector) {
          var option = document.createElement("option");
          option.value = sector.code;
          option.textContent = sector.name;
          select.appendChild(option);
        });
      })
      .catch(function () { /* the report for every sector still works */ });
  }

  function watchJob(container) {
    var url = container.getAttribute("data-status-url");
    var bar = container.querySelector("[data-export-progress]");
    var text = container.querySelector("[data-export-status]");
    var link = container.querySelector("[data-export-download]");
    var linkBox = container.querySelector("[data-export-download-box]");
    var error = container.querySelector("[data-export-error]");
    var errorBox = container.querySelector("[data-export-error-box]");
    var delay = 1000;

    function show(state) {
      if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
      if (text) { text.textContent = state.status_label + " (" + state.progress + "%)"; }
      if (state.status === "done" && link && linkBox) {
        if (state.download_url) { link.href = state.download_url; }
        linkBox.hidden = false;
        link.focus();
      }
      if (state.status === "failed" && error && errorBox) {
        error.textContent = state.error || "";
        errorBox.hidden = false;
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          show(state);
          if (state.status === "queued" || state.status === "running") {
            delay = Math.min(delay * 1.2, 5000);
            window.setTimeout(poll, delay);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  }

  function start() {
    document.querySelectorAll("select[data-export-sectors-url]").forEach(fillSectors);
    document.querySelectorAll("[data-export-job]").forEach(watchJob);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
