"""Signing in and out, choosing a password from an invitation, resetting a forgotten one."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_user, logout_user

from ...domain.errors import InvalidToken, PasswordTooWeak
from ...extensions import limiter, login_manager
from ...extensions import db
from ...models import AccountToken, User
from ...services import accounts
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import message_for
from ...web.ratelimits import email_from_form, per_address, per_email
from ...web.redirects import safe_next
from .forms import ForgotPasswordForm, LoginForm, LogoutForm, SetPasswordForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id):
    # "<id>:<session version>": a password change signs out every other browser.
    try:
        raw_id, version = user_id.split(":")
        user = db.session.get(User, int(raw_id))
    except (ValueError, AttributeError):
        return None
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user


def landing_page(user):
    if user.is_organiser:
        return url_for("organiser.events")
    return url_for("lead.my_sessions")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@limiter.limit(per_email, key_func=email_from_form, methods=["POST"])
@access("public")
def login():
    if current_user.is_authenticated:
        return redirect(landing_page(current_user))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        now = utcnow()
        user = accounts.authenticate(form.email.data, form.password.data, now)
        if user is not None:
            login_user(user)
            accounts.record_login(user.id, now)
            return redirect(safe_next(request.args.get("next"), landing_page(user)))
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), (
        400 if form.is_submitted() else 200)


@bp.post("/logout")
@access("public")
def logout():
    if not LogoutForm().validate_on_submit():
        abort(400)  # no valid CSRF token: somebody else's page tried to sign you out
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@limiter.limit(per_email, key_func=email_from_form, methods=["POST"])
@access("public")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, utcnow(), str(get_locale()))
        flash(_("If the address has an account, a link to choose a new password is on its way. "
                "It works once, for a short time."), "success")
        return redirect(url_for(".login"))
    return render_template("auth/forgot.html", form=form), (400 if form.is_submitted() else 200)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
@access("public")
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
            login_user(user)
            flash(_("Your password is saved and you are logged in."), "success")
            return redirect(landing_page(user))
    return render_template("auth/set_password.html", form=form, weak=weak,
                           invited=found.purpose == AccountToken.INVITE,
                           name=found.user.name), (400 if form.is_submitted() else 200)


@bp.get("/login/token/<token>")
@access("public")
def login_with_token(token):
    """One-time sign-in links printed by `flask demo-logins` (development only)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        return render_template("auth/token_invalid.html"), 404
    try:
        user = accounts.login_with_token(token, utcnow())
    except InvalidToken:
        return render_template("auth/token_invalid.html"), 404
    login_user(user)
    return redirect(landing_page(user))
