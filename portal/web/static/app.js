// Kho's pages work without this script. It adds:
//  - the busy indicator: a form being sent, or a link marked data-busy,
//    shows "Đang xử lý…" (role=status) and marks the form aria-busy;
//  - focus on the error summary of a page that has one;
//  - on the verifier and lookup pages, where the browser has the
//    BarcodeDetector API and a camera, a QR scan that fills the dossier
//    code (the lookup's box, marked data-qr-submit, then looks it up).
(function () {
  "use strict";
  var busyText = "Đang xử lý, vui lòng chờ…";

  function showBusy() {
    var el = document.getElementById("dang-xu-ly");
    if (el) { el.textContent = busyText; }
  }
  function clearBusy() {
    var el = document.getElementById("dang-xu-ly");
    if (el) { el.textContent = ""; }
    document.querySelectorAll("form[aria-busy]").forEach(function (f) {
      f.removeAttribute("aria-busy");
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  }

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (ev.defaultPrevented || f.getAttribute("aria-busy") === "true") { return; }
    f.setAttribute("aria-busy", "true");
    // Disable after the submit event, so the button's own value is sent.
    setTimeout(function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
    showBusy();
  });
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-busy]");
    if (a && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) { showBusy(); }
  });
  // Back-forward cache: a page shown again is not busy.
  window.addEventListener("pageshow", clearBusy);

  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // QR scan (progressive enhancement).
  var box = document.querySelector("[data-qr-scan]");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  box.hidden = false;
  var start = box.querySelector("[data-qr-start]");
  var video = box.querySelector("[data-qr-video]");
  var status = box.querySelector("[data-qr-status]");
  var input = document.getElementById("ma");

  function codeOf(text) {
    var m = /\/tra-cuu\/([^/?#]+)/.exec(text);
    return decodeURIComponent(m ? m[1] : text).trim();
  }
  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    status.textContent = "Đang mở máy ảnh…";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      status.textContent = "Hướng máy ảnh vào mã QR trên giấy tờ.";
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length > 0) {
            stop();
            input.value = codeOf(codes[0].rawValue);
            status.textContent = "Đã đọc mã hồ sơ " + input.value + ".";
            input.focus();
            if (box.hasAttribute("data-qr-submit") && input.form) {
              if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
            }
            return;
          }
          requestAnimationFrame(tick);
        }).catch(function () { requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () {
      status.textContent = "Không mở được máy ảnh. Hãy nhập mã hồ sơ in trên giấy tờ.";
    });
  });
})();
