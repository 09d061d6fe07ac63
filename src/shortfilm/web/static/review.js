// Time-coded comments and side-by-side playback (jobs.js follows the jobs a page started).
// Pausing or seeking a player fills its comment form's time; a comment's time (or a keyframe)
// seeks its player there, and so does its marker on the player's timeline; "play all" starts
// every take of a clip together for comparison.
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

  // Comment markers under a player: placed along its timeline once its length is known (a
  // script sets the position: the page's CSP allows no inline style), hidden until then.
  document.querySelectorAll(".marks[data-player]").forEach(function (bar) {
    var player = document.getElementById(bar.dataset.player);
    if (!player) return;
    function place() {
      var length = player.duration;
      if (!isFinite(length) || length <= 0) return;
      bar.querySelectorAll(".mark").forEach(function (mark) {
        var at = Math.min(Math.max(parseFloat(mark.dataset.at) / length, 0), 1);
        mark.style.left = (at * 100).toFixed(2) + "%";
      });
      bar.classList.add("placed");
    }
    player.addEventListener("loadedmetadata", place);
    player.addEventListener("durationchange", place);
    if (player.readyState >= 1) place();
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
