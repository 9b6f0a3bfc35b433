// Shows the times of a connection without a time zone of its own in the browser's zone.
// The page draws each as <time datetime="…Z" data-local> in UTC; this redraws its text
// in the same shape the panel uses for a firm's zone: "2026-01-31 14:05 GMT".
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short", numberingSystem: "latn"
  });
  document.querySelectorAll("time[data-local]").forEach(function (time) {
    var part = {};
    format.formatToParts(new Date(time.dateTime)).forEach(function (p) { part[p.type] = p.value; });
    time.textContent = part.year + "-" + part.month + "-" + part.day + " " + part.hour + ":" + part.minute +
      " " + part.timeZoneName;
    time.title = "Your browser's time zone";
  });
})();
