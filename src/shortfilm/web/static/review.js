// Time-coded comments and side-by-side playback: the only script of the app.
// Pausing or seeking a player fills its comment form's time; a comment's time (or a keyframe)
// seeks its player there; "play all" starts every take of a clip together for comparison.
(function () {
  "use strict";

  function playerFor(el) {
    var id = el.dataset.player;
    if (!id) {
      var box = el.closest("[data-player]");
      id = box && box.dataset.player;
    }
    return id ? document.getElementById(id) : null;
  }

  document.querySelectorAll(".comments[data-player]").forEach(function (box) {
    var player = document.getElementById(box.dataset.player);
    var field = box.querySelector(".at-s");
    if (!player || !field) return;
    var typed = false;
    field.addEventListener("input", function () { typed = field.value !== ""; });
    function fill() {
      if (!typed) field.value = player.currentTime.toFixed(1);
    }
    player.addEventListener("pause", fill);
    player.addEventListener("seeked", fill);
    box.querySelector("form").addEventListener("submit", function () {
      if (field.value === "" && player.currentTime > 0) fill();
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".seek");
    if (!button) return;
    var player = playerFor(button);
    if (!player) return;
    player.currentTime = parseFloat(button.dataset.at);
    player.scrollIntoView({ block: "nearest" });
    player.play().catch(function () {});
  });

  var all = document.getElementById("play-all");
  if (all) {
    all.addEventListener("click", function () {
      var players = Array.prototype.slice.call(document.querySelectorAll(".takes video"));
      var playing = players.some(function (p) { return !p.paused; });
      players.forEach(function (p) {
        if (playing) { p.pause(); return; }
        p.muted = p !== players[0];
        p.currentTime = 0;
        p.play().catch(function () {});
      });
      all.textContent = playing ? "▶ play all side by side" : "❚❚ pause all";
    });
  }
})();
