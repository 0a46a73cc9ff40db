"""Reading pages as a browser does: the forms on a page with the values they would submit,
and the generated personal values (tokens) a page or a row shows."""
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Every generated personal value carries one marker: q + kind letter + serial + x
# ("Namn Qn12x", "qe12x@example.org"), so "where does this person's data show" is a search.
TOKEN = re.compile(r"\bq[nejdat]\d+x\b", re.I)


def tokens_in(text):
    return {t.lower() for t in TOKEN.findall(text or "")}


@dataclass
class Form:
    action: str
    fields: dict = field(default_factory=dict)  # name -> list of values, as a browser sends

    def data(self, **changes):
        """The form as shown, with some fields changed (a list value sets a multi-value field)."""
        values = {k: list(v) for k, v in self.fields.items()}
        for name, value in changes.items():
            values[name] = value if isinstance(value, list) else [value]
        return {k: v if len(v) != 1 else v[0] for k, v in values.items() if v}


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "")
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            values = self._form.fields.setdefault(a["name"], [])
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    values.append(a.get("value") or "on")
            elif kind != "submit":
                values.append(a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in a:
            self._form.fields[self._select].append(a.get("value") or "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self._form.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:  # a browser drops the newline right after <textarea>
                value = self._form.fields[self._textarea][0]
                self._form.fields[self._textarea][0] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def forms_on(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_to(html, action_suffix):
    """The form on the page that posts to a URL ending in `action_suffix`, or None."""
    return next((f for f in forms_on(html) if f.action.endswith(action_suffix)), None)


def form_with(html, field_name):
    """The form on the page that has a field of this name, or None."""
    return next((f for f in forms_on(html) if field_name in f.fields), None)
