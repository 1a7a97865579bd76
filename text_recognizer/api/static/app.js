// Upload an image to /v1/recognize and show the transcription. No framework, no build step.
"use strict";

(function () {
  const form = document.getElementById("upload-form");
  const input = document.getElementById("file-input");
  const dropZone = document.getElementById("drop-zone");
  const mode = document.getElementById("mode");
  const preview = document.getElementById("preview");
  const statusLine = document.getElementById("status");
  const result = document.getElementById("result");
  const errorLine = document.getElementById("error");
  let previewUrl = null;
  let lastFile = null;

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = false;
    result.hidden = true;
    statusLine.textContent = "Failed.";
  }

  async function recognize(file) {
    lastFile = file;
    errorLine.hidden = true;
    result.hidden = true;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
    preview.hidden = false;
    statusLine.textContent = "Reading " + file.name + "…";
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("mode", mode.value);
    let response;
    try {
      response = await send(body);
      if (response.status === 401 && askForToken()) response = await send(body);
    } catch (err) {
      showError("The service cannot be reached: " + err);
      return;
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (err) {
      showError("The service answered " + response.status + " without JSON.");
      return;
    }
    if (!response.ok) {
      const error = payload && payload.error ? payload.error : {};
      showError((error.kind || response.status) + ": " + (error.message || "request failed"));
      return;
    }
    document.getElementById("text").textContent = payload.text;
    document.getElementById("confidence").textContent =
      (100 * payload.confidence).toFixed(1) + " %";
    document.getElementById("model-version").textContent = payload.model_version || "unknown";
    document.getElementById("timing").textContent =
      payload.timing.total_ms.toFixed(0) + " ms";
    result.hidden = false;
    statusLine.textContent = "Done.";
  }

  // A service started with --token needs it on every upload; it is kept for this tab only.
  function send(body) {
    const token = sessionStorage.getItem("token");
    const headers = token ? { Authorization: "Bearer " + token } : {};
    return fetch("/v1/recognize", { method: "POST", body: body, headers: headers });
  }

  function askForToken() {
    const token = window.prompt("This service needs its access token:");
    if (!token) return false;
    sessionStorage.setItem("token", token.trim());
    return true;
  }

  input.addEventListener("change", function () {
    if (input.files.length > 0) recognize(input.files[0]);
  });
  mode.addEventListener("change", function () {
    if (lastFile) recognize(lastFile);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  ["dragenter", "dragover"].forEach(function (name) {
    dropZone.addEventListener(name, function (event) {
      event.preventDefault();
      dropZone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    dropZone.addEventListener(name, function (event) {
      event.preventDefault();
      dropZone.classList.remove("dragging");
    });
  });
  dropZone.addEventListener("drop", function (event) {
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length > 0) recognize(files[0]);
  });
})();
