"""Public pages: events, sign-up, the personal manage link, language switch."""
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext as _

from ...domain import errors, signup
from ...extensions import limiter
from ...services import booking, preferences as preferences_service, privacy as privacy_service
from ...services import queries
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import message_for, status_for
from ...web.forms import (
    DetailsForm,
    apply_field_settings,
    block_field_name,
    choices_form_for,
    chosen_sessions,
    details_from_form,
    names_a_block_gone,
    session_choices,
)
from ...web import pagecache
from ...web.pagecache import cached_page
from ...web.ratelimits import (
    count_for_address,
    ensure_left_for_address,
    mail_allowed,
    per_address,
    read_email_limit_along,
    spend_for_address,
)
from ...web.redirects import safe_next
from ...web.ranking_forms import mark_ranking_error, ranking_forms, rankings_from_form
from ...web.seats import seat_labeller
from ...web.tokens import (
    is_retired_manage_token,
    manage_token,
    read_email_change_token,
    read_manage_token,
)
from .forms import CancelForm, ConfirmEmailForm, RenewLinkForm, ResendLinkForm, signup_form_for

bp = Blueprint("public", __name__)

# The county's organisations, offered as suggestions (free text is allowed too).
ORGANISATIONS = (
    "Region Västerbotten",
    "Västerbottens läns landsting",
    "Bjurholms kommun", "Dorotea kommun", "Lycksele kommun", "Malå kommun",
    "Nordmalings kommun", "Norsjö kommun", "Robertsfors kommun", "Skellefteå kommun",
    "Sorsele kommun", "Storumans kommun", "Umeå kommun", "Vilhelmina kommun",
    "Vindelns kommun", "Vännäs kommun", "Åsele kommun", "Örnsköldsviks kommun",
)


def _event_or_404(slug, load="programme"):
    event = queries.public_event(slug, load)
    if event is None:
        abort(404)
    return event


@bp.get("/")
@access("public")
def index():
    return render_template("public/index.html", events=queries.published_upcoming(utcnow()))


@bp.get("/events/<slug>")
@access("public")
def event(slug):
    def render():
        event = _event_or_404(slug)
        _label, counts = seat_labeller(event)
        state = signup.signup_state(signup.EventWindow.of(event), utcnow())
        return render_template("public/event.html", event=event, counts=counts,
                               signup_state=state)

    return cached_page(("event", slug), render)


@bp.route("/events/<slug>/signup", methods=["GET", "POST"])
@read_email_limit_along("signup", "RATELIMIT_SIGNUP_PER_EMAIL")
@limiter.limit(per_address, methods=["POST"])
@access("public")
def signup_form(slug):
    if request.method == "GET":
        return cached_page(("signup", slug), lambda: _signup_form(slug)[0], with_csrf=True)
    return _signup_made_from_copy(slug) or _signup_form(slug)


def _signup_made_from_copy(slug):
    """A sign-up POST that goes through, made from this process's copy of the programme, read
    at most PAGE_CACHE_SECONDS ago (as long as the page cache keeps the sign-up page): most
    POSTs are such, and reading the programme again cost each a fifth of its time. The
    booking checks the copy against the rows as they are after its locks (booking.register:
    the event's updated_at, its blocks, each chosen session). None for everything else (a
    form with an error, a refusal, sign-up not open, a programme that changed), which
    _signup_form answers from the programme as it is now, without booking again what was
    refused here."""
    if not pagecache.enabled():
        return None
    event = pagecache.shared(("programme", slug), lambda: queries.programme_copy(slug))
    now = utcnow()
    if (event is None or any(block.takes_preferences for block in event.blocks)
            or signup.signup_state(signup.EventWindow.of(event), now) != signup.OPEN):
        return None
    form = signup_form_for(event, _title)
    if not form.validate_on_submit():
        return None
    ensure_left_for_address("signup", form.email.data, "RATELIMIT_SIGNUP_PER_EMAIL")
    try:
        registration = _register(event, form, now, programme=event)
    except errors.ProgrammeChanged:
        return _signup_form(slug)
    except errors.DomainError as exc:
        return _signup_form(slug, refused=exc)
    return _signed_up(slug, form, registration)


def _title(session):
    return session.title


def _register(event, form, now, **options):
    return booking.register(event.id, details_from_form(form), chosen_sessions(form, event),
                            str(get_locale()), now, consent_text=consent_text(event),
                            rankings=rankings_from_form(form, event.blocks), **options)


def _signed_up(slug, form, registration):
    count_for_address("signup", form.email.data, "RATELIMIT_SIGNUP_PER_EMAIL")
    # The random uid, never the id: ids can come back, and this browser must only ever show
    # the person who signed up in it.
    session["registration_uid"] = registration.uid
    return redirect(url_for(".thanks", slug=slug))


def _signup_form(slug, refused=None, again=False):
    """The sign-up page, and a POST answered from the programme as it is now. `refused`: the
    domain error the booking of this very POST raised a moment ago (_signup_made_from_copy),
    answered as if the booking had raised it again, if the form still holds. A programme
    changed between this page's reading it and the booking's locks is read again once
    (`again`); a second change in that moment answers "busy, try again"."""
    # A GET (rendered once per cache period) shows the leads; a POST mostly redirects.
    event = _event_or_404(slug, "programme" if request.method == "GET" else "sessions")
    now = utcnow()
    state = signup.signup_state(signup.EventWindow.of(event), now)
    # Seat counts are only for showing the form; a sign-up that goes through never shows it.
    if request.method == "GET":
        label, counts = seat_labeller(event)
    else:
        label, counts = _title, None
    form = signup_form_for(event, label)
    summary_error = None
    status = 400 if form.is_submitted() else 200
    if state == signup.OPEN and form.validate_on_submit():
        # Only sign-ups made count: refusals ("already registered", a full session) sent by
        # a stranger never use up the address's sign-ups.
        ensure_left_for_address("signup", form.email.data, "RATELIMIT_SIGNUP_PER_EMAIL")
        try:
            if refused is not None:
                raise refused
            if names_a_block_gone(request.form, event):
                raise errors.ProgrammeChanged()
            registration = _register(event, form, now)
        except errors.ProgrammeChanged as exc:
            if not again:  # nothing was written, and what this page loaded is expired
                return _signup_form(slug, again=True)
            summary_error, status = exc.code, status_for(exc)
        except errors.AlreadyRegistered as exc:
            form.email.errors.append(message_for(exc))
            summary_error, status = exc.code, status_for(exc)
        except (errors.SessionFull, errors.InvalidChoice) as exc:
            _mark_choice_error(form, event, exc)
            summary_error, status = exc.code, status_for(exc)
        except errors.RankingError as exc:
            block = next(b for b in event.blocks if b.id == exc.block_id)
            mark_ranking_error(form, block, exc, message_for(exc))
            summary_error, status = "ranking_error", status_for(exc)
        except errors.DomainError as exc:
            # Busy among them: the form comes back as typed, with 503 and Retry-After.
            summary_error, status = exc.code, status_for(exc)
        else:
            return _signed_up(slug, form, registration)
    elif form.is_submitted() and state != signup.OPEN:
        summary_error = signup.CLOSED if state == signup.CLOSED else "signup_not_open_yet"
    if counts is None:
        # Seat counts may have moved while the person typed; show them as they are now.
        label, counts = seat_labeller(event)
        _relabel(form, event, label)
    return (
        render_template(
            "public/signup.html",
            event=event,
            form=form,
            counts=counts,
            signup_state=state,
            summary_error=summary_error,
            organisations=ORGANISATIONS,
            block_field_name=block_field_name,
        ),
        status,
    )


def default_privacy_text():
    return _("We use your details to run the event: the list of participants, the dialogue "
             "sessions, catering and email about the event. Session leads and organisers see "
             "them. They are removed after the event.")


def consent_text(event):
    """The privacy text the person saw next to the consent box, kept with their registration."""
    return event.privacy_text or default_privacy_text()


def _mark_choice_error(form, event, exc):
    """A full session or a wrong choice: the message goes beside that block's choices."""
    block_id = getattr(exc, "block_id", None) or _block_of(event, exc.session_id)
    if block_id and f"block_{block_id}" in form:
        field = form[f"block_{block_id}"]
        field.errors = list(field.errors) + [message_for(exc)]


def _block_of(event, session_id):
    for block in event.blocks:
        if any(s.id == session_id for s in block.sessions):
            return block.id
    return None


def _relabel(form, event, label):
    for block in event.blocks:
        if block.asks_for_a_session:
            form[block_field_name(block)].choices = session_choices(block, label)


@bp.get("/events/<slug>/thanks")
@access("public", personal=True)
def thanks(slug):
    event = _event_or_404(slug, "event")
    uid = session.get("registration_uid")
    registration = queries.registration_by_uid(uid) if isinstance(uid, str) else None
    if (registration is None or registration.event_id != event.id or not registration.is_active
            or registration.is_anonymised
            or not signup.thanks_page_shown(registration.created_at, utcnow())):
        # A shared computer must not show the last person who signed up on it for days.
        session.pop("registration_uid", None)
        return redirect(url_for(".event", slug=event.slug))
    return render_template(
        "public/thanks.html", event=event, registration=registration,
        choices=queries.choice_rows(registration),
        awaiting=preferences_service.rankings_of(registration))


@bp.route("/events/<slug>/link", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@access("public")
def resend_link(slug):
    event = _event_or_404(slug, "event")
    form = ResendLinkForm()
    if form.validate_on_submit():
        if mail_allowed("manage-link", form.email.data):
            booking.send_manage_link(event.id, form.email.data, utcnow())
        # The same answer whether or not the address is registered.
        flash(_("If the address is registered for this event, the link to the registration "
                "is on its way."), "success")
        return redirect(url_for(".resend_link", slug=event.slug))
    return render_template("public/resend_link.html", event=event, form=form), (
        400 if form.is_submitted() else 200
    )


def _registration_from_token(token):
    """The registration a manage link points at; a friendly 404, or 410 for a retired link."""
    if len(token) >= 200:
        abort(404)
    parsed = read_manage_token(token)
    if parsed is None:
        abort(_link_gone("retired") if is_retired_manage_token(token) else 404)
    registration = queries.registration_by_uid(parsed[0])
    if registration is None:
        abort(404)
    if registration.is_anonymised:
        abort(_link_gone("anonymised"))
    if registration.link_version != parsed[1]:
        abort(_link_gone("replaced", registration.event))
    return registration


def _link_gone(reason, event=None):
    """410 Gone: the link was real once and will never work again. The page says why and,
    while there is something to manage, where to ask for a new link."""
    if reason == "anonymised":
        events = []
    else:
        events = [event] if event is not None else queries.published_upcoming(utcnow())
    return make_response(render_template("public/link_gone.html", reason=reason, events=events),
                         410)


@bp.get("/manage/<token>")
@access("manage_token")
def manage(token):
    registration = _registration_from_token(token)
    return _render_manage(token, registration)


def _render_manage(token, registration, details_form=None, choices_form=None, status=200,
                   summary_error=None, ranking_form=None):
    event = registration.event
    rankings = ranking_forms(registration, ranking_form)
    label, counts = seat_labeller(event)
    if details_form is None:
        details_form = apply_field_settings(DetailsForm(obj=registration, formdata=None),
                                            event.field_settings or {})
    if choices_form is None:
        current = {
            block_field_name(c.block): c.session_id for c in registration.choices
        }
        choices_form = choices_form_for(event, label, formdata=None, data=current)
    window = signup.EventWindow.of(event)
    now = utcnow()
    return (
        render_template(
            "public/manage.html",
            token=token,
            event=event,
            registration=registration,
            choices=queries.choice_rows(registration),
            details_form=details_form,
            choices_form=choices_form,
            counts=counts,
            can_change=registration.is_active and signup.signup_state(window, now) == signup.OPEN,
            can_cancel=registration.is_active and _allowed(signup.ensure_cancel_allowed, window, now),
            summary_error=summary_error,
            organisations=ORGANISATIONS,
            block_field_name=block_field_name,
            rankings=rankings,
        ),
        status,
    )


def _allowed(rule, window, now):
    try:
        rule(window, now)
    except errors.DomainError:
        return False
    return True


@bp.post("/manage/<token>/details")
@access("manage_token")
def manage_details(token):
    registration = _registration_from_token(token)
    form = apply_field_settings(DetailsForm(), registration.event.field_settings or {})
    if not form.validate_on_submit():
        return _render_manage(token, registration, details_form=form, status=400)
    details = details_from_form(form, registration)
    old_email = registration.email
    new_email = signup.email_key(details.email) != signup.key_behind(registration.email_key)
    if new_email:
        spend_for_address("email-change", details.email)
    try:
        # A new address is only used once it is confirmed from its own inbox.
        booking.update_details(registration.id, details, utcnow(), new_email_confirmed=False)
    except errors.AlreadyRegistered as exc:
        form.email.errors.append(message_for(exc))
        return _render_manage(token, registration, details_form=form, status=status_for(exc))
    except errors.DomainError as exc:
        return _render_manage(token, registration, details_form=form, status=status_for(exc),
                              summary_error=exc.code)
    if new_email:
        flash(_("Your details have been saved. To use %(new)s, open the link we have just sent "
                "there; until then we keep writing to %(old)s.", new=details.email, old=old_email),
              "success")
    else:
        flash(_("Your details have been saved."), "success")
    return redirect(url_for(".manage", token=token))


@bp.route("/email/<token>", methods=["GET", "POST"])
@access("public", personal=True)
def confirm_email(token):
    """The link mailed to a new address: a page with one button (mail scanners open links;
    only the person's click changes anything), then the address is the registration's."""
    parsed = read_email_change_token(token) if len(token) < 500 else None
    registration = queries.registration_by_uid(parsed[0]) if parsed else None
    if (registration is None or registration.is_anonymised or not registration.is_active
            or (registration.link_version, signup.key_digest(registration.email_key))
            != parsed[1:3]):
        return _link_gone("email", registration.event if registration else None)
    form = ConfirmEmailForm()
    error, status = None, 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            booking.confirm_email_change(registration.id, *parsed[1:], utcnow())
        except errors.InvalidToken:
            return _link_gone("email", registration.event)
        except errors.DomainError as exc:
            error, status = message_for(exc), status_for(exc)
        else:
            flash(_("Done: from now on we write to %(email)s.", email=registration.email),
                  "success")
            return redirect(url_for(".manage", token=manage_token(registration)))
    return render_template("public/confirm_email.html", event=registration.event, form=form,
                           new_email=parsed[3], error=error), status


@bp.post("/manage/<token>/sessions")
@access("manage_token")
def manage_sessions(token):
    registration = _registration_from_token(token)
    event = registration.event
    label, _counts = seat_labeller(event)
    form = choices_form_for(event, label)
    if not form.validate_on_submit():
        return _render_manage(token, registration, choices_form=form, status=400)
    choices = chosen_sessions(form, event)
    try:
        _registration, changed = booking.change_sessions(registration.id, choices, utcnow())
    except errors.DomainError as exc:
        if isinstance(exc, (errors.SessionFull, errors.InvalidChoice)):
            _mark_choice_error(form, event, exc)
        registration = queries.registration_with_choices(registration.id)
        return _render_manage(token, registration, choices_form=form, status=status_for(exc),
                              summary_error=exc.code)
    if changed:
        flash(_("Your session choice has been changed. A confirmation is on its way by email."),
              "success")
    else:
        flash(_("Nothing was changed: you already have those sessions."), "info")
    return redirect(url_for(".manage", token=token))


@bp.route("/manage/<token>/cancel", methods=["GET", "POST"])
@access("manage_token")
def manage_cancel(token):
    def cancel(registration):
        booking.cancel(registration.id, utcnow())
        flash(_("Your registration has been cancelled. A confirmation is on its way by email."),
              "success")
        return redirect(url_for(".manage", token=token))

    return _confirmed_action(token, CancelForm, "public/cancel.html", cancel)


@bp.route("/manage/<token>/renew", methods=["GET", "POST"])
@access("manage_token")
def manage_renew_link(token):
    """The holder makes every link sent so far stop working and gets a new one by mail."""
    def renew(registration):
        booking.renew_manage_link(registration.id, utcnow())
        # Not to the new link: it goes to the registration's address only.
        flash(_("Your old links no longer work. A new link is on its way to %(email)s.",
                email=registration.email), "success")
        return redirect(url_for(".event", slug=registration.event.slug))

    return _confirmed_action(token, RenewLinkForm, "public/renew_link.html", renew)


def _confirmed_action(token, form_class, template, act):
    """A manage-link action behind a confirmation page: GET shows the page, a valid POST runs
    `act(registration)` and answers with its redirect; a domain error is shown on the page."""
    registration = _registration_from_token(token)
    form = form_class()
    error, status = None, 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            return act(registration)
        except errors.DomainError as exc:
            error, status = exc.code, status_for(exc)
    return render_template(template, token=token, event=registration.event,
                           registration=registration, form=form, summary_error=error), status


@bp.get("/lang/<code>")
@access("public")
def set_language(code):
    if code in ("sv", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for(".index")))


@bp.get("/privacy")
@access("public")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/accessibility")
@access("public")
def accessibility():
    return render_template("public/accessibility.html")


@bp.get("/manage/<token>/data")
@access("manage_token")
def my_data(token):
    registration = _registration_from_token(token)
    return render_template("public/my_data.html", token=token, event=registration.event,
                           data=privacy_service.personal_data(registration))


@bp.get("/manage/<token>/data.json")
@access("manage_token")
def my_data_json(token):
    registration = _registration_from_token(token)
    data = privacy_service.personal_data(registration)
    data["who_sees_it"] = _("The organisers of the event and the leads of the dialogue "
                            "sessions you chose.")
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="mina-uppgifter.json"'
    return response


@bp.route("/manage/<token>/delete", methods=["GET", "POST"])
@access("manage_token")
def delete_my_data(token):
    def delete(registration):
        event_slug = registration.event.slug
        try:
            privacy_service.delete_registration(registration.id, utcnow())
        except errors.NotFound:
            pass  # the same form sent twice: erased a moment ago, which is what was asked
        session.pop("registration_uid", None)
        flash(_("Your registration and everything we stored about you are deleted."), "success")
        return redirect(url_for(".event", slug=event_slug))

    return _confirmed_action(token, CancelForm, "public/delete.html", delete)


# The ranking of a block that takes preferences has its own module (it registers on bp).
from . import ranking  # noqa: E402,F401
