// Exercises: « Écouter » reads the question aloud with the browser's French voice (for
// pupils who cannot read yet). Without JavaScript or speech synthesis the button stays
// hidden and the recorded sound, if any, still plays.
"use strict";
(function () {
  var button = document.querySelector("button[data-read]");
  if (!button || !("speechSynthesis" in window)) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = button.getAttribute("data-read");
    var speech = new SpeechSynthesisUtterance(text);
    speech.lang = "fr-FR";
    speech.rate = 0.9;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(speech);
  });
})();

// On the question form: « Enregistrer la consigne » records the prompt with the microphone,
// where the browser allows it, and puts the recording in the « son » file field as if it
// had been chosen; the form sends it as any other file. Without JavaScript, MediaRecorder or
// a microphone, the file field (which opens the recorder on tablets) stays the way.
(function () {
  var input = document.getElementById("son");
  var button = document.querySelector("button[data-record]");
  var status = document.getElementById("enregistrement");
  if (!input || !button || !status || !window.MediaRecorder || !window.DataTransfer ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  button.hidden = false;
  var recorder = null;
  button.addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { recorder.stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        var type = recorder.mimeType || "audio/webm";
        var ext = type.indexOf("mp4") >= 0 ? "m4a" : (type.indexOf("ogg") >= 0 ? "ogg" : "webm");
        var list = new DataTransfer();
        list.items.add(new File(chunks, "consigne." + ext, { type: type }));
        input.files = list.files;
        button.textContent = "🎙️ Enregistrer de nouveau";
        status.textContent = "Enregistrement prêt : il sera envoyé avec la question.";
      };
      recorder.start();
      button.textContent = "⏹ Arrêter l'enregistrement";
      status.textContent = "Enregistrement en cours…";
    }, function () {
      status.textContent = "Le micro n'est pas disponible : choisissez un fichier son.";
    });
  });
})();
