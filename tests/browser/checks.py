"""What every page must pass in a real browser: axe-core (WCAG 2.1 A and AA), the page's
language, a title that says where you are, a skip link, visible keyboard focus, labelled
inputs, radio groups in fieldsets, errors tied to their fields, reflow at 200 % zoom (and
at 320 px) and room for wider text spacing.

`PageChecker.see(step)` runs all of it on the page as it is now and saves a screenshot.
"""
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO = Path(__file__).resolve().parents[2]
AXE_JS = Path(__file__).with_name("axe.min.js")
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# 1280 px at 200 % zoom is 640 CSS px; WCAG's own reflow width (1280 px at 400 %) is 320.
REFLOW_WIDTHS = (640, 320)
MAX_TAB_STOPS = 150

_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  return {
    describe: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
      + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"',
    visible: Boolean(outline || shadow),
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth,
  };
}"""

# Every element that takes focus from here on, in order (see PageChecker._keyboard_walk).
_WATCH_FOCUS = """() => {
  if (!window.__focusWalk) {
    document.addEventListener('focusin', e => window.__focusWalk.push(e.target), true);
  }
  window.__focusWalk = [];
}"""

_WALK_STATE = "() => ({focus: (%s)(), seen: window.__focusWalk.length})" % _FOCUS_STATE

_FOCUSED_AFTER = """(n) => {
  const el = window.__focusWalk[n];
  return el ? {skipLink: el.matches('a.skip-link[href="#main"]'),
               describe: el.tagName.toLowerCase() + '.' + el.className + ' "'
                 + (el.innerText || el.value || '').trim().slice(0, 40) + '"'} : null;
}"""

_FIRST_FOCUSABLE = """() => {
  const selector = 'a[href], button, input, select, textarea, [tabindex]';
  const all = [...document.querySelectorAll(selector)].filter(el =>
    !el.disabled && el.tabIndex >= 0 && el.type !== 'hidden');
  return all.length ? all[0].outerHTML.slice(0, 120) : null;
}"""

_UNLABELLED_INPUTS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => {
    const labelled = el.labels && [...el.labels].some(l => l.textContent.trim());
    return !labelled && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby');
  })
  .map(el => el.outerHTML.slice(0, 120))"""

_LOOSE_RADIOS = """() => [...document.querySelectorAll('input[type=radio]')]
  .filter(r => {
    const fieldset = r.closest('fieldset');
    const legend = fieldset && fieldset.querySelector(':scope > legend');
    if (!legend || !legend.textContent.trim()) return true;
    // Every radio of the same name belongs to that same group.
    return [...document.getElementsByName(r.name)].some(o => o.closest('fieldset') !== fieldset);
  })
  .map(r => r.outerHTML.slice(0, 120))"""

_UNLINKED_ERRORS = """() => {
  const problems = [];
  const describedBy = el => (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  for (const message of document.querySelectorAll('.error-message')) {
    if (!message.id) { problems.push('error message without id: ' + message.textContent.trim()); continue; }
    const field = message.closest('.field');
    const controls = field ? [field, ...field.querySelectorAll('input, select, textarea')] : [];
    if (!controls.some(c => describedBy(c).includes(message.id)))
      problems.push('error message not referenced by aria-describedby: #' + message.id);
  }
  for (const el of document.querySelectorAll('[aria-invalid=true]')) {
    const ids = describedBy(el);
    if (!ids.some(id => { const t = document.getElementById(id); return t && t.classList.contains('error-message'); }))
      problems.push('aria-invalid field without a described error: ' + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of describedBy(el))
      if (!document.getElementById(id)) problems.push('aria-describedby points at missing #' + id);
  }
  return problems;
}"""

_OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  widest: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')),
})"""


# WCAG 1.4.12: with this much spacing nothing may be cut off or scroll sideways.
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }"""

_CLIPPED = """() => [...document.querySelectorAll('body *')].filter(el => {
  // Form fields scroll their own text; hidden helpers are meant to be clipped.
  if (el.matches('input, textarea, select') || el.closest('.visually-hidden, .skip-link')) return false;
  const cs = getComputedStyle(el);
  const hides = v => v === 'hidden' || v === 'clip';
  return (hides(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (hides(cs.overflowY) && el.scrollHeight > el.clientHeight + 1);
}).slice(0, 5).map(el => el.outerHTML.slice(0, 100))"""


class PageChecker:
    """A page in a journey: `see(step)` checks it and saves `NN-step.png`."""

    def __init__(self, page, live, screenshot_dir, lang):
        self.page = page
        self.live = live
        self.screenshot_dir = Path(screenshot_dir)
        self.lang = lang
        self.event_name = None  # a title may name the event instead of repeating the heading
        self.titles = {}  # title -> kind of page, to prove each kind has its own title
        self.steps = 0

    # -- driving -------------------------------------------------------------------------

    def goto(self, path):
        return self.page.goto(self.live(path))

    def tab_to(self, locator):
        """Press Tab until `locator` has focus; every stop on the way must show its focus."""
        target = locator.element_handle()
        for _ in range(MAX_TAB_STOPS):
            self.page.keyboard.press("Tab")
            self._assert_focus_visible()
            if self.page.evaluate("(target) => document.activeElement === target", target):
                return
        raise AssertionError(f"{MAX_TAB_STOPS} presses of Tab never reached {locator}")

    def has_focus(self, locator):
        return locator.evaluate("el => el === document.activeElement")

    # -- checking ------------------------------------------------------------------------

    def see(self, step, *, kind=None, lang=None, walk=True):
        """Check the page as it is now and save a screenshot of it.

        `kind` names the kind of page (defaults to `step`): two different kinds must not
        share a title. `walk=False` leaves keyboard focus where it is; otherwise every tab
        stop is visited and focus ends on <main> after following the skip link.
        """
        self.steps += 1
        self.page.screenshot(
            path=str(self.screenshot_dir / f"{self.steps:02d}-{step}.png"), full_page=True
        )
        problems = []
        problems += self._language(lang or self.lang)
        problems += self._title(kind or step)
        problems += [f"input without a label: {h}" for h in self.page.evaluate(_UNLABELLED_INPUTS)]
        problems += [f"radio outside a fieldset with a legend: {h}" for h in self.page.evaluate(_LOOSE_RADIOS)]
        problems += self.page.evaluate(_UNLINKED_ERRORS)
        problems += self._reflow()
        problems += self._axe()
        if walk:
            problems += self._keyboard_walk()
        assert not problems, f"{step} ({self.page.url}):\n  " + "\n  ".join(problems)

    def _language(self, lang):
        actual = self.page.evaluate("() => document.documentElement.lang")
        return [] if actual == lang else [f'<html lang="{actual}">, expected "{lang}"']

    def _title(self, kind):
        title = self.page.title()
        heading = " ".join(self.page.locator("h1").first.inner_text().split())
        problems = []
        if heading not in title and not (self.event_name and self.event_name in title):
            problems.append(f"title {title!r} names neither the heading {heading!r} nor the event")
        seen = self.titles.setdefault(title, kind)
        if seen != kind:
            problems.append(f"title {title!r} is the same as on the {seen} page")
        return problems

    def _reflow(self):
        problems = []
        original = self.page.viewport_size
        for width in REFLOW_WIDTHS:
            if width > original["width"]:
                continue
            self.page.set_viewport_size({"width": width, "height": original["height"]})
            result = self.page.evaluate(_OVERFLOW)
            if result["scrollWidth"] > result["clientWidth"]:
                problems.append(
                    f"scrolls sideways at {width} px: scrollWidth {result['scrollWidth']} > "
                    f"{result['clientWidth']} (too wide: {', '.join(result['widest'])})"
                )
        self.page.set_viewport_size(original)
        result = self.page.evaluate(_OVERFLOW)
        if result["scrollWidth"] > result["clientWidth"]:
            problems.append(f"scrolls sideways at {original['width']} px: {result}")
        spacing = self.page.add_style_tag(content=TEXT_SPACING)
        result = self.page.evaluate(_OVERFLOW)
        if result["scrollWidth"] > result["clientWidth"]:
            problems.append(f"scrolls sideways with wider text spacing: {result}")
        problems += [f"text cut off with wider text spacing: {h}" for h in self.page.evaluate(_CLIPPED)]
        spacing.evaluate("el => el.remove()")
        return problems

    def _axe(self):
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.add_script_tag(path=str(AXE_JS))
        violations = self.page.evaluate(
            """async (tags) => (await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            })).violations""",
            AXE_TAGS,
        )
        problems = []
        for violation in violations:
            problems.append(
                f"axe {violation['id']}: {violation['help']} ({violation['helpUrl']})"
            )
            for node in violation["nodes"]:
                summary = " ".join(node.get("failureSummary", "").split())
                problems.append(f"    at {node['target']}: {summary}")
        return problems

    def _keyboard_walk(self):
        """Tab through the whole page: each stop shows focus; then the skip link goes first.

        Chromium moves focus back to the document after the last stop, so the next Tab
        lands on the first focusable element, which must be the skip link. Which element
        that was is read from the page's own focus events, not from where focus is a
        moment later: on a busy machine Chromium may hand focus back to the page by itself
        before the next Tab, which then moves on (seen once in CI).
        """
        problems = []
        first = self.page.evaluate(_FIRST_FOCUSABLE)
        if not first or "skip-link" not in first:
            problems.append(f"the first focusable element is not the skip link: {first}")
        self.page.evaluate(_WATCH_FOCUS)
        stops, seen = [], None
        while len(stops) < MAX_TAB_STOPS:
            self.page.keyboard.press("Tab")
            walk = self.page.evaluate(_WALK_STATE)  # where focus is, and how many took it
            state = walk["focus"]
            if state is None:
                seen = walk["seen"]
                break  # back on the document: the next Tab starts from the top
            stops.append(state["describe"])
            if not state["visible"]:
                problems.append(f"no visible focus on {state['describe']}")
        for _ in range(3 if seen is not None else 0):
            # Past the end focus may rest on the document before wrapping.
            if self._focus_taken_after(seen):
                break
            self.page.keyboard.press("Tab")
            self._focus_taken_after(seen, wait=True)
        after_end = seen is not None and self.page.evaluate(_FOCUSED_AFTER, seen)
        if not after_end or not after_end["skipLink"]:
            problems.append(
                "Tab from the top of the page does not reach the skip link first: it reaches "
                f"{after_end and after_end['describe']} (after {len(stops)} stops: {stops})"
            )
            return problems
        # Where focus went first is what counts; the checks below need it there now.
        self.page.locator("a.skip-link").first.focus()
        state = self.page.evaluate(_FOCUS_STATE)
        if not state["visible"] or not state["onScreen"]:
            problems.append(f"the focused skip link is not visible: {state}")
        self.page.keyboard.press("Enter")
        if not self.page.evaluate("() => document.activeElement.id === 'main'"):
            problems.append("the skip link does not move focus to #main")
        return problems

    def _focus_taken_after(self, seen, wait=False):
        """Whether an element took focus after the first `seen` of this walk (waiting up to
        2 s for one if `wait`)."""
        taken = "(seen) => window.__focusWalk.length > seen"
        if not wait:
            return self.page.evaluate(taken, seen)
        try:
            self.page.wait_for_function(taken, arg=seen, timeout=2000)
            return True
        except PlaywrightTimeoutError:
            return False

    def _assert_focus_visible(self):
        state = self.page.evaluate(_FOCUS_STATE)
        assert state is None or state["visible"], f"no visible focus on {state['describe']}"
