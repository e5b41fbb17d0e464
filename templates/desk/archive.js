// The archive job page: follows the job's server-sent events (progress, then
// done or failed). Without script the page shows the state as of its loading.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.status !== "running" || !window.EventSource) {
    return;
  }
  var $ = function (id) { return document.getElementById(id); };
  var size = function (n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.ceil(n / 1024) + " KB";
  };
  var hint = $("job-refresh");
  if (hint) { hint.hidden = true; }
  var es = new EventSource(box.dataset.events);
  var live = function () { box.dataset.live = "1"; };
  es.addEventListener("progress", function (e) {
    var s = JSON.parse(e.data);
    live();
    $("job-stage").textContent = s.stage;
    $("job-what").textContent = s.what;
    $("job-progress").max = s.total || 1;
    $("job-progress").value = Math.min(s.done, s.total);
    $("job-count").textContent = s.done + " / " + s.total + (s.unit === "bytes" ? " 字节" : " 项");
  });
  es.addEventListener("done", function (e) {
    var s = JSON.parse(e.data);
    live();
    es.close();
    $("job-status").textContent = "完成 (done)";
    $("job-status").className = "state-done";
    $("job-running").hidden = true;
    $("job-link").textContent = s.bundle;
    $("job-link").href = "/archive/bundles/" + encodeURIComponent(s.bundle);
    $("job-size").textContent = size(s.size);
    $("job-cases").textContent = s.cases;
    $("job-sha").textContent = s.sha256;
    $("job-done").hidden = false;
  });
  es.addEventListener("failed", function (e) {
    var s = JSON.parse(e.data);
    live();
    es.close();
    $("job-status").textContent = "失败 (failed)";
    $("job-status").className = "state-failed";
    $("job-running").hidden = true;
    $("job-error").textContent = s.error;
    $("job-remedy").textContent = s.remedy;
    $("job-failed").hidden = false;
  });
  es.onerror = function () {
    // The stream ends with the job; a dropped one is followed by a reload.
    if (es.readyState === EventSource.CLOSED) { window.location.reload(); }
  };
}());
