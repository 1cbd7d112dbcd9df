// Uploads with a progress bar and drag and drop. Without JavaScript the same form works
// as a plain multipart form post.
"use strict";
(function () {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-status]");
    var zone = form.querySelector("[data-dropzone]") || form;

    function send() {
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("x-requested-with", "preau-upload");
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
          status.textContent = "Envoi : " + Math.floor(100 * e.loaded / e.total) + " %";
        }
      };
      xhr.onload = function () {
        var redirected = xhr.responseURL && xhr.responseURL.split("?")[0] !== form.action.split("?")[0];
        if (xhr.status >= 200 && xhr.status < 300 && redirected) {
          status.textContent = "Envoi terminé.";
          window.location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      };
      xhr.onerror = function () {
        status.textContent = "L'envoi a échoué : vérifiez la connexion et réessayez. Rien n'a été enregistré.";
      };
      status.textContent = "Envoi en cours…";
      xhr.send(data);
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        input.files = e.dataTransfer.files;
        send();
      }
    });
  });
})();
