/* The DRP tab's only script: in Teams, follow its theme, sign in with Teams SSO, and save a
   channel tab's configuration. The pages work without it; outside Teams it does nothing. */
(function () {
  "use strict";
  var THEMES = ["default", "dark", "contrast"];
  var teams = window.microsoftTeams;

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

  if (!teams || window.parent === window) {
    return;
  }
  teams.app.initialize().then(function () {
    teams.app.getContext().then(function (context) { setTheme(context.app.theme); });
    teams.app.registerOnThemeChangeHandler(setTheme);
    var status = document.getElementById("sso-status");
    if (status) { signIn(status); }
    var form = document.getElementById("configure");
    if (form) { configure(form); }
  }).catch(function () { /* not hosted by Teams after all: the page stands as served */ });
}());
