// A session page: telemetry charts (uPlot) and live updates of the timeline.
// Live events (WebSocket /ws/sessions/<id>) make the page fetch the timeline fragment again
// and merge it: new items are inserted in time order, changed ones replaced unless playing.
(function () {
  "use strict";

  function drawCharts(section) {
    fetch(section.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (series) {
        series.forEach(function (s) {
          var figure = section.querySelector('figure[data-channel="' + CSS.escape(s.channel) + '"]');
          if (!figure) { return; }
          var body = figure.querySelector(".chart-body");
          body.textContent = "";
          var width = Math.max(300, body.clientWidth || 400);
          new uPlot({ width: width, height: 200, legend: { show: true },
            series: [{}, { label: s.channel + (s.unit ? " (" + s.unit + ")" : ""), stroke: "#0b5cad", width: 1.5 }] },
            [s.t, s.v], body);
          figure.querySelector(".chart-summary").textContent = summary(s);
          body.setAttribute("aria-label", "Chart of " + s.channel + ": " + summary(s));
        });
      })
      .catch(function (error) {
        section.querySelectorAll(".chart-body").forEach(function (b) { b.textContent = "The chart could not be loaded (" + error.message + ")."; });
      });
  }

  function summary(s) {
    if (!s.v.length) { return "No points."; }
    var unit = s.unit ? " " + s.unit : "";
    function value(v) { return Number(v.toPrecision(4)) + unit; }
    return s.total + " points" + (s.total > s.v.length ? " (" + s.v.length + " drawn)" : "") +
      "; lowest " + value(Math.min.apply(null, s.v)) + ", highest " + value(Math.max.apply(null, s.v)) +
      ", last " + value(s.v[s.v.length - 1]) + ".";
  }

  function isPlaying(element) {
    return Array.prototype.some.call(element.querySelectorAll("video, audio"), function (m) { return !m.paused; });
  }

  function placeOf(list, item) {
    var at = item.dataset.at, key = item.dataset.key;
    var children = list.children;
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c.dataset.at > at || (c.dataset.at === at && c.dataset.key > key)) { return c; }
    }
    return null;
  }

  function merge(list, html, status) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var added = 0;
    Array.prototype.forEach.call(template.content.querySelectorAll("li[data-key]"), function (item) {
      var existing = document.getElementById(item.dataset.key);
      if (existing) {
        if (existing.dataset.version !== item.dataset.version && !isPlaying(existing)) {
          existing.replaceWith(item);
        }
        return;
      }
      item.classList.add("is-new");
      list.insertBefore(item, placeOf(list, item));
      added += 1;
    });
    if (added) {
      var empty = document.getElementById("timeline-empty");
      if (empty) { empty.remove(); }
      status.textContent = added + " new item" + (added === 1 ? "" : "s") + " arrived.";
      var count = document.getElementById("item-count");
      if (count) { count.textContent = list.children.length; }
    }
  }

  function live(list) {
    var status = document.getElementById("live-status");
    var pending = null, attempts = 0, ended = false;
    function refresh() {
      if (pending) { return; }
      pending = setTimeout(function () {
        fetch(list.dataset.itemsUrl, { credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
          .then(function (html) { pending = null; merge(list, html, status); })
          .catch(function () { pending = null; status.textContent = "Live updates paused: the server did not answer."; });
      }, 250);
    }
    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var token = list.dataset.liveToken ? "?token=" + encodeURIComponent(list.dataset.liveToken) : "";
      var socket = new WebSocket(scheme + location.host + list.dataset.livePath + token);
      socket.onopen = function () { attempts = 0; list.dataset.liveConnected = "true"; };
      socket.onmessage = function (message) {
        var envelope;
        try { envelope = JSON.parse(message.data); } catch (e) { return; }
        if (envelope.event === "connected") { return; }
        if (envelope.event === "session.ended") {
          ended = true;
          document.getElementById("session-status").textContent = "ended";
          status.textContent = "The session has ended.";
        }
        refresh();
      };
      socket.onclose = function () {
        list.dataset.liveConnected = "false";
        if (ended || attempts >= 8) { return; }
        attempts += 1;
        setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
      };
    }
    connect();
  }

  var telemetry = document.getElementById("telemetry");
  if (telemetry && window.uPlot) { drawCharts(telemetry); }
  var list = document.getElementById("timeline");
  if (list && list.dataset.livePath) { live(list); }
}());
