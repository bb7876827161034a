// A photo from a phone's camera is often larger than the 2 MB the office keeps. Before it is
// sent, one over that is redrawn smaller as a JPEG, so the courier need not take it again.
// Without this script (or where the browser cannot), the server refuses it and says why.
(function () {
  "use strict";
  var LIMIT = 2 * 1024 * 1024;
  var LONGEST_SIDE = 1600;

  function tell(input, text) {
    var note = document.getElementById(input.id + "-info");
    if (note) note.textContent = text;
  }

  function buttonsOf(input, disabled) {
    var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = disabled;
  }

  function redraw(bitmap, quality) {
    var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  function shrink(input) {
    var file = input.files && input.files[0];
    tell(input, "");
    if (!file || file.size <= LIMIT) return;
    if (!window.createImageBitmap || !window.DataTransfer) return;
    buttonsOf(input, true);
    tell(input, "Foto sedang diperkecil…");
    createImageBitmap(file)
      .then(function (bitmap) {
        return redraw(bitmap, 0.85).then(function (blob) {
          return blob && blob.size > LIMIT ? redraw(bitmap, 0.6) : blob;
        });
      })
      .then(function (blob) {
        if (!blob || blob.size > LIMIT) {
          tell(input, "");
          return;
        }
        var smaller = new DataTransfer();
        smaller.items.add(new File([blob], "foto.jpg", { type: "image/jpeg" }));
        input.files = smaller.files;
        var kb = Math.round(blob.size / 1024);
        tell(input, "Foto diperkecil menjadi " + kb + " KB agar dapat dikirim.");
      })
      .catch(function () {
        tell(input, ""); // not a picture the browser can read: the server says so
      })
      .then(function () {
        buttonsOf(input, false);
      });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-perkecil]")) shrink(input);
  });
})();
