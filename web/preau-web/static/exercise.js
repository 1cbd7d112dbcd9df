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
