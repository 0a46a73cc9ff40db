"""Signing in and out, the account page, choosing a password from an invitation, resetting a
forgotten one. A signed-in browser is a session kept on the server (services/accounts.py)."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from ...domain import accounts as account_rules
from ...domain.errors import Busy, InvalidToken, PasswordTooWeak
from ...extensions import limiter, login_manager
from ...models import AccountToken
from ...services import accounts, api_tokens
from ...util import useragent
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import message_for
from ...web.devices import known_device, remember_device
from ...web.ratelimits import mail_allowed, per_address, spend_sign_in_attempt
from ...web.redirects import safe_next
from .forms import (ApiTokenForm, ForgotPasswordForm, LoginForm, LogoutForm, RevokeTokenForm,
                    SetPasswordForm, SignOutEverywhereForm)

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id):
    # The cookie holds the session's random id: an ended session signs nobody in.
    return accounts.session_user(session_id, utcnow())


@bp.after_app_request
def _keep_session_seen(response):
    """Keep "last seen" (the idle limit counts from it) without a write on every page."""
    login = getattr(g.get("_login_user"), "login_session", None)
    if login is None:
        return response
    now = utcnow()
    if account_rules.session_seen_long_ago(login.last_seen_at, now):
        try:
            accounts.note_session_seen(login.id, now)
        except Busy:
            pass  # noted on a later page instead
    return response


def sign_in(user, now):
    """A new server-side session for this browser, and Flask-Login's cookie naming it."""
    user.session_token = accounts.start_session(
        user.id, useragent.summary(request.headers.get("User-Agent")), now)
    login_user(user)


def landing_page(user):
    if user.is_organiser:
        return url_for("organiser.events")
    return url_for("lead.my_sessions")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@access("public", personal=True)
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        now = utcnow()
        device = known_device(form.email.data)
        spend_sign_in_attempt(form.email.data, device)
        user = accounts.authenticate(form.email.data, form.password.data, now)
        if user is not None:
            sign_in(user, now)
            return remember_device(
                redirect(safe_next(request.args.get("next"), landing_page(user))),
                form.email.data, device)
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), (
        400 if form.is_submitted() else 200)


@bp.post("/logout")
@access("public")
def logout():
    if not LogoutForm().validate_on_submit():
        abort(400)  # no valid CSRF token: somebody else's page tried to sign you out
    if current_user.is_authenticated:
        accounts.end_session(current_user.get_id(), utcnow())
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))


@bp.get("/account")
@access("signed_in")
def account():
    return render_template("auth/account.html", sessions=accounts.live_sessions(
        current_user.id, utcnow()), this_session=current_user.login_session,
        tokens=api_tokens.tokens_of(current_user.id), now=utcnow(), revoke_form=RevokeTokenForm())


@bp.route("/account/tokens/new", methods=["GET", "POST"])
@access("signed_in")
def new_api_token():
    """A personal access token for the API; its secret is shown on the next page only."""
    form = ApiTokenForm()
    events, sessions = api_tokens.token_choices(current_user)
    form.event_ids.choices = [SelectChoice(e.id, e.title) for e in events]
    form.session_ids.choices = [SelectChoice(s.id, f"{s.title} ({s.block.title})")
                                for s in sessions]
    form.kind.choices = [c for c in form.kind.choices
                         if (c.value == "organiser" and current_user.is_organiser)
                         or (c.value == "lead" and sessions)]
    if form.validate_on_submit():
        ids = form.event_ids.data if form.kind.data == "organiser" else form.session_ids.data
        token, secret = api_tokens.issue(current_user.id, form.name.data, form.kind.data,
                                         form.access.data == "write", ids, utcnow(),
                                         days=form.days.data)
        return render_template("auth/api_token_created.html", token=token, secret=secret)
    return render_template("auth/api_token_new.html", form=form), (
        400 if form.is_submitted() else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@access("signed_in")
def revoke_api_token(token_id):
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    api_tokens.revoke(current_user.id, token_id, utcnow())
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for(".account"))


@bp.route("/account/sign-out-everywhere", methods=["GET", "POST"])
@access("signed_in")
def sign_out_everywhere():
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        accounts.end_every_session(current_user.id, utcnow())
        logout_user()
        flash(_("You are logged out everywhere: on every browser and device."), "success")
        return redirect(url_for(".login"))
    return render_template("auth/sign_out_everywhere.html", form=form), (
        400 if form.is_submitted() else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@access("public", personal=True)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if mail_allowed("password-reset", form.email.data):
            accounts.request_password_reset(form.email.data, utcnow(), str(get_locale()))
        flash(_("If the address has an account, a link to choose a new password is on its way. "
                "It works once, for a short time."), "success")
        return redirect(url_for(".login"))
    return render_template("auth/forgot.html", form=form), (400 if form.is_submitted() else 200)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@access("public", personal=True)
def set_password(token):
    now = utcnow()
    found = accounts.peek_token(token, (AccountToken.INVITE, AccountToken.RESET), now)
    if found is None:
        return render_template("auth/token_invalid.html"), 404
    form = SetPasswordForm()
    form.password.validators[1].min = current_app.config["PASSWORD_MIN_LENGTH"]
    weak = None
    if form.validate_on_submit():
        try:
            user = accounts.set_password_with_token(token, form.password.data, now)
        except PasswordTooWeak as exc:
            weak = message_for(exc)
        except InvalidToken:
            return render_template("auth/token_invalid.html"), 404
        else:
            sign_in(user, now)
            flash(_("Your password is saved and you are logged in."), "success")
            return remember_device(redirect(landing_page(user)), user.email)
    return render_template("auth/set_password.html", form=form, weak=weak,
                           invited=found.purpose == AccountToken.INVITE,
                           name=found.user.name), (400 if form.is_submitted() else 200)


@bp.get("/login/token/<token>")
@access("public", personal=True)
def login_with_token(token):
    """One-time sign-in links printed by `flask demo-logins` (development only)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        return render_template("auth/token_invalid.html"), 404
    now = utcnow()
    try:
        user = accounts.login_with_token(token, now)
    except InvalidToken:
        return render_template("auth/token_invalid.html"), 404
    sign_in(user, now)
    return redirect(landing_page(user))
