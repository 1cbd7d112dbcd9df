// Suggestions as one types in the search box: titles of what the person may open. Without
// JavaScript the search form works the same, without suggestions.
"use strict";
(function () {
  var input = document.querySelector("input[data-suggest]");
  var list = document.getElementById("suggestions");
  if (!input || !list) { return; }
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (q === last) { return; }
    last = q;
    clearTimeout(timer);
    if (q.length < 2) { list.textContent = ""; return; }
    timer = setTimeout(function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q));
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var titles;
        try { titles = JSON.parse(xhr.responseText); } catch (e) { return; }
        list.textContent = "";
        titles.forEach(function (title) {
          var option = document.createElement("option");
          option.value = title;
          list.appendChild(option);
        });
      };
      xhr.send();
    }, 150);
  });
})();
