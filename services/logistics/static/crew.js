// The crew's visit page: scanning a serial's barcode where the browser has the BarcodeDetector
// API. Without it (or without JavaScript) the scan buttons stay hidden and the typed field is
// all there is; with it, "Scan barcode" opens the camera, reads the barcode from the photo and
// fills the field, which stays editable.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !window.createImageBitmap) {
    return;
  }
  var detector;
  try {
    detector = new window.BarcodeDetector();
  } catch (e) {
    return;
  }
  document.querySelectorAll("[data-scan-for]").forEach(function (box) {
    var field = document.getElementById(box.getAttribute("data-scan-for"));
    var input = box.querySelector("input[type=file]");
    var status = box.querySelector(".scan-status");
    if (!field || !input) {
      return;
    }
    box.hidden = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      // The photo of the barcode is not sent with the form.
      input.value = "";
      if (!file) {
        return;
      }
      createImageBitmap(file)
        .then(function (bitmap) {
          return detector.detect(bitmap);
        })
        .then(function (codes) {
          if (codes.length > 0 && codes[0].rawValue) {
            field.value = codes[0].rawValue.trim();
            if (status) {
              status.textContent = box.getAttribute("data-found") + " " + field.value;
            }
          } else if (status) {
            status.textContent = box.getAttribute("data-none");
          }
          field.focus();
        })
        .catch(function () {
          if (status) {
            status.textContent = box.getAttribute("data-none");
          }
          field.focus();
        });
    });
  });
})();
