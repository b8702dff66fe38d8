/* The DRP tab's only script: in Teams, follow its theme, sign in with Teams SSO, and save a
   channel tab's configuration. The pages work without it; outside Teams it does nothing. */
(function () {
  "use strict";
  var THEMES = ["default", "dark", "contrast"];
  // The pinned Teams library, loaded only inside a frame (Teams hosts tabs in one): opened
  // outside Teams, a page loads nothing from anywhere else.
  var LIBRARY = "/tabs/static/MicrosoftTeams-2.58.0.min.js";
  var teams = null;

  function setTheme(theme) {
    if (THEMES.indexOf(theme) >= 0) {
      document.documentElement.setAttribute("data-theme", theme);
    }
  }

  function signIn(status) {
    status.textContent = "Signing you in with your work account…";
    teams.authentication.getAuthToken().then(function (token) {
      var body = new URLSearchParams({ token: token, next: status.getAttribute("data-next") });
      return fetch("/tabs/auth/token", { method: "POST", body: body, credentials: "include" });
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      window.location.assign(answer.next);
    }).catch(function () {
      status.textContent = "You could not be signed in. Check with the DRP administrator that " +
        "you are in the DRP directory, then reopen the tab.";
    });
  }

  function configure(form) {
    var titles = { dashboard: "DRP dashboard", mine: "My disputes", report: "DRP report" };
    teams.pages.config.registerOnSaveHandler(function (saving) {
      var page = form.querySelector("input[name=page]:checked").value;
      var base = window.location.origin + "/tabs/" + page;
      teams.pages.config.setConfig({
        entityId: "drp-" + page,
        contentUrl: base + "?theme={theme}",
        websiteUrl: base,
        suggestedDisplayName: titles[page]
      }).then(function () { saving.notifySuccess(); })
        .catch(function () { saving.notifyFailure("The tab could not be saved."); });
    });
    teams.pages.config.setValidityState(true);
  }

  function start() {
    teams = window.microsoftTeams;
    teams.app.initialize().then(function () {
      teams.app.getContext().then(function (context) { setTheme(context.app.theme); });
      teams.app.registerOnThemeChangeHandler(setTheme);
      var status = document.getElementById("sso-status");
      if (status) { signIn(status); }
      var form = document.getElementById("configure");
      if (form) { configure(form); }
    }).catch(function () { /* not hosted by Teams after all: the page stands as served */ });
  }

  if (window.parent === window) {
    return;
  }
  var script = document.createElement("script");
  script.src = LIBRARY;
  script.onload = start;
  document.head.appendChild(script);
}());
