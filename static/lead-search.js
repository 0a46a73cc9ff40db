// Suggestions while typing a lead's name on the session form: the organiser's known leads
// whose name or email contains what is typed, from the form's data-lead-search URL, into the
// <datalist> the name fields use. Picking one fills the email field beside it when empty.
// Without script the name alone still finds a known lead when the form is saved.
(function () {
  var form = document.querySelector("form[data-lead-search]");
  var list = document.getElementById("known-leads");
  if (!form || !list || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-lead-search");
  var emails = {};  // name -> email of the last suggestions, to fill the email field
  var timer = null;
  var asked = "";

  function show(leads) {
    list.textContent = "";
    emails = {};
    leads.forEach(function (lead) {
      var option = document.createElement("option");
      option.value = lead.name;
      option.label = lead.email;
      list.appendChild(option);
      emails[lead.name] = emails.hasOwnProperty(lead.name) ? "" : lead.email;  // two of a name: ask
    });
  }

  function search(query) {
    asked = query;
    fetch(url + "?q=" + encodeURIComponent(query), {credentials: "same-origin",
                                                  headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {leads: []}; })
      .then(function (data) {
        if (query === asked) {
          show(data.leads || []);
        }
      })
      .catch(function () {});
  }

  form.querySelectorAll("input[list=known-leads]").forEach(function (name) {
    var email = form.querySelector("#" + name.id.replace("lead_name_", "lead_email_"));
    name.addEventListener("input", function () {
      var value = name.value.trim();
      if (email && !email.value && emails[value]) {
        email.value = emails[value];
        return;
      }
      clearTimeout(timer);
      if (value.length >= 2) {
        timer = setTimeout(function () { search(value); }, 200);
      }
    });
  });
})();
